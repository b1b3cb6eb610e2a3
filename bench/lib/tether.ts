/**
 * Starting Tether for a benchmark: on the embedded broker, one process (gateway and worker,
 * the only layout it has); on Redis, a gateway process and a worker process (the scale-out
 * layout), under a fresh key prefix so runs never see each other's streams.
 */
import { nanoid } from 'nanoid';
import { signDevToken } from '../../server-mock/gateway/auth.ts';
import { freePort } from '../../server-mock/testing/processes.ts';
import { startChild, type Child } from './children.ts';
import { dropPrefix } from './redis-cleanup.ts';

export const BENCH_SECRET = 'bench-secret-bench-secret-bench-secret';

/**
 * Settings that differ from the defaults, and why: the per-connection rate limit (50 calls/s)
 * and pending-call cap (100) protect a gateway from one abusive client, which is exactly what
 * a load generator looks like; the worker may run as many calls at once as are in flight.
 */
export const BENCH_ENV = {
  JWT_SECRET: BENCH_SECRET,
  CALLS_PER_SECOND: '1000000',
  // The per-user and per-address limits guard a public gateway; every benchmark socket is one
  // user from 127.0.0.1, so they are lifted like the per-socket rate above.
  CALLS_PER_SECOND_PER_USER: '1000000',
  MAX_CONNECTIONS_PER_USER: '1000000',
  MAX_PREAUTH_PER_ADDRESS: '1000000',
  // Thousands of sockets open at the start of a run; the storm suite keeps the default instead.
  UPGRADES_PER_SECOND: '1000000',
  MAX_PENDING_CALLS: '10000',
  CONCURRENCY: '100',
  HOST: '127.0.0.1',
};

export type BrokerKind = 'memory' | 'redis';

export interface TetherUnderTest {
  url: string;
  /** The process with the gateway (and, on the embedded broker, the worker). */
  gateway: Child;
  worker?: Child;
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startTether(broker: BrokerKind, redisUrl: string, extra: Record<string, string> = {}): Promise<TetherUnderTest> {
  const env: Record<string, string> = { ...BENCH_ENV, PORT: String(await freePort()), PREFIX: `bench-${nanoid(6)}:`, ...extra };
  if (broker === 'memory') {
    const gateway = await startChild('tether', { ...env, ROLE: 'all' });
    return { url: `ws://127.0.0.1:${gateway.port}`, gateway, env, stop: () => gateway.kill() };
  }
  env.REDIS_URL = redisUrl;
  const worker = await startChild('tether', { ...env, ROLE: 'worker' });
  const gateway = await startChild('tether', { ...env, ROLE: 'gateway' });
  return {
    url: `ws://127.0.0.1:${gateway.port}`,
    gateway,
    worker,
    env,
    stop: async () => {
      await gateway.kill();
      await worker.kill();
      await dropPrefix(redisUrl, env.PREFIX!);
    },
  };
}

/** A valid token for `user`, as a dev login would hand out. */
export const benchToken = (user: string, ttlSec = 3600) => signDevToken(BENCH_SECRET, user, ttlSec);

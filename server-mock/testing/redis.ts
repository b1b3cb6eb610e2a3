/**
 * Redis for the tests that need a real one: where it is, whether it answers, and a
 * `describe` that runs only when it does. Without Redis a suite is skipped locally, with a
 * warning saying how to start one, and fails on CI (CI=true), where Redis must be there.
 */
import { Redis } from 'ioredis';
import { describe, it } from 'vitest';

export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Why Redis at `at` cannot be used, or undefined when it answers PING within a second. */
export async function unreachable(at: string = redisUrl): Promise<string | undefined> {
  const probe = new Redis(at, { lazyConnect: true, connectTimeout: 1000, retryStrategy: () => null, enableOfflineQueue: false });
  // The cause (ECONNREFUSED, …) arrives as an event; connect() only says the connection closed.
  let cause: unknown;
  probe.on('error', (error: unknown) => (cause ??= error));
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG' ? undefined : 'no PONG';
  } catch (error) {
    const reason = cause ?? error;
    return reason instanceof Error ? reason.message : String(reason);
  } finally {
    probe.disconnect();
  }
}

/** `describe(name, body)` when Redis answers; otherwise a skip (locally) or a failure (CI). */
export async function describeWithRedis(name: string, body: () => void) {
  const missing = await unreachable();
  if (!missing) return describe(name, body);
  if (process.env.CI) {
    return describe(name, () => {
      it('needs a Redis server', () => {
        throw new Error(`No Redis answered at ${redisUrl} (${missing}). CI must provide Redis 7: set REDIS_URL or run one on 127.0.0.1:6379.`);
      });
    });
  }
  console.warn(`Skipping "${name}": no Redis answered at ${redisUrl} (${missing}). Start one with \`redis-server --daemonize yes --save "" --appendonly no\`, or set REDIS_URL.`);
  return describe.skip(`${name} (no Redis)`, body);
}

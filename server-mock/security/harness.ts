/**
 * A gateway as `tether-gateway` runs it (configuration from variables, its defaults, its
 * HTTP API), on either broker, with a worker, for the security suite. Attackers are raw
 * sockets or clients of the browser core with real JWTs.
 *
 * How to extend: pass variables through `env` as an operator would; `raw()` gives a socket
 * that sends whatever it is told; `frames` holds everything the gateway sent it.
 */
import { nanoid } from 'nanoid';
import pino from 'pino';
import { SignJWT } from 'jose';
import { WebSocket } from 'ws';
import { createClient, type Client } from '../../src/core/client.ts';
import type { ClientOptions } from '../../src/core/options.ts';
import { runGateway, runWorker } from '../app.ts';
import type { Broker } from '../broker/broker.ts';
import { createMemoryBroker } from '../broker/memory.ts';
import { createRedisBroker } from '../broker/redis.ts';
import { loadGatewayConfig } from '../config.ts';
import type { GatewayServer } from '../gateway/server.ts';
import { demoMethods } from '../../demo/methods.ts';
import type { Worker } from '../worker/worker.ts';
import { redisUrl } from '../testing/redis.ts';
import { until } from '../testing/system.ts';

export const SECRET = 'security-suite-secret-security-suite-secret';
const key = new TextEncoder().encode(SECRET);

/** A JWT signed with the gateway's secret, with whatever claims the test wants. */
export async function sign(claims: Record<string, unknown>, ttlSec: number | null = 600): Promise<string> {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt();
  if (typeof claims.sub === 'string') jwt = jwt.setSubject(claims.sub);
  if (ttlSec !== null) jwt = jwt.setExpirationTime(Math.floor(Date.now() / 1000) + ttlSec);
  return jwt.sign(key);
}
export const tokenFor = (user: string, extra: Record<string, unknown> = {}, ttlSec: number | null = 600) => sign({ sub: user, ...extra }, ttlSec);

export type BrokerKind = 'memory' | 'redis';

export interface Frame {
  id?: string | number | null;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

export async function startSecured(kind: BrokerKind, env: Record<string, string> = {}) {
  const prefix = `tether-test:sec-${nanoid(6)}:`;
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const broker: Broker =
    kind === 'memory' ? createMemoryBroker({ prefix }) : await createRedisBroker({ url: redisUrl, prefix, onError: () => {} });
  const config = loadGatewayConfig({ JWT_SECRET: SECRET, API_KEY: 'sec-key', PREFIX: prefix, ...env }, []);
  const gateway: GatewayServer = await runGateway({ ...config, port: 0 }, { broker, logger });
  const worker: Worker = runWorker({ workerName: 'w', concurrency: 16, claimIdleMs: 10_000, maxDeliveries: 3 }, { broker, logger, methods: demoMethods() });
  const http = gateway.url.replace('ws://', 'http://');
  const clients: Client[] = [];
  const sockets: WebSocket[] = [];

  return {
    broker,
    prefix,
    gateway,
    http,
    logs,
    /** A raw socket: sends what it is told, answers pings, records every frame. */
    async raw(protocol = 'tether.v1') {
      const ws = new WebSocket(gateway.url, protocol);
      sockets.push(ws);
      const frames: Frame[] = [];
      const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
      ws.on('message', (d) => {
        const f = JSON.parse(d.toString()) as Frame;
        if (f.method === 'ping') ws.send('{"jsonrpc":"2.0","method":"pong"}');
        frames.push(f);
      });
      ws.on('error', () => {});
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      let n = 0;
      const send = (o: unknown) => ws.send(typeof o === 'string' ? o : JSON.stringify(o));
      /** Send a request and wait for its answer. */
      const request = async (method: string, params?: unknown): Promise<Frame> => {
        const id = `r${++n}`;
        send({ jsonrpc: '2.0', id, method, params });
        await until(() => frames.some((f) => f.id === id), 5000);
        return frames.find((f) => f.id === id)!;
      };
      return { ws, frames, closed, send, request };
    },
    /** A raw socket authenticated as `user` (with a token carrying `extra` claims). */
    async as(user: string, extra: Record<string, unknown> = {}, resume?: unknown) {
      const r = await this.raw();
      const auth = await r.request('auth', { token: await tokenFor(user, extra), ...(resume ? { resume } : {}) });
      return { ...r, auth };
    },
    client(user: string, options: Partial<ClientOptions> = {}) {
      const c = createClient({ url: gateway.url, token: () => tokenFor(user), WebSocket, random: () => 0, ...options });
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.close();
      for (const ws of sockets) ws.terminate();
      await gateway.close(0);
      await worker.stop();
      await broker.close();
    },
  };
}
export type Secured = Awaited<ReturnType<typeof startSecured>>;

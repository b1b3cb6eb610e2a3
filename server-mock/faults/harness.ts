/**
 * One fault case's world: a private `redis-server`, gateways and workers as real processes
 * on it, fault proxies, a backend publishing through the Redis broker, and the ledger's
 * clients (the browser core on `ws`, real JWTs). `stop()` tears all of it down, and is safe
 * to call from `afterEach` whatever state a failed test left.
 *
 * How to extend: a new kind of process is a function next to `gateway`/`worker` that goes
 * through `runCli`, so `stopAll` reaches it; anything else the case opens goes into `closers`.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach } from 'vitest';
import type { Client } from '../../src/core/client.ts';
import type { ClientOptions } from '../../src/core/options.ts';
import type { Broker } from '../broker/broker.ts';
import { signDevToken } from '../gateway/auth.ts';
import { startFaultProxy, type FaultProxy } from '../testing/fault-proxy.ts';
import { freePort, runCli, stopAll } from '../testing/processes.ts';
import { startRedisServer, stopAllRedisServers } from '../testing/redis-server.ts';
import { createLedger } from './ledger.ts';
import { readRuns } from './methods.ts';

const SECRET = 'fault-suite-secret-fault-suite-secret!';

export type Gateway = ChildProcess & { output(): string; port: number; url: string; address: string };

export async function startCase() {
  const redis = await startRedisServer();
  const dir = mkdtempSync(join(tmpdir(), 'tether-faults-'));
  const runsFile = join(dir, 'runs.log');
  const ledger = createLedger();
  const closers: (() => Promise<unknown> | unknown)[] = [];
  let brokerErrors = 0;
  let stopped = false;

  return {
    redis,
    ledger,
    /** Errors the backend's broker reported (Redis away). */
    brokerErrors: () => brokerErrors,

    /** A gateway process on the case's Redis; `env` adds or overrides variables. */
    async gateway(env: Record<string, string> = {}): Promise<Gateway> {
      const port = await freePort();
      // Rooms open to every client of the case (the secure default admits none).
      const child = await runCli('gateway', { REDIS_URL: redis.url, JWT_SECRET: SECRET, PORT: String(port), PUBLIC_ROOMS: '*', ...env });
      return Object.assign(child, { port, url: `ws://127.0.0.1:${port}`, address: `127.0.0.1:${port}` });
    },

    /** A worker process running `fault.work`, logging its runs to the case's runs file. */
    worker(name: string, env: Record<string, string> = {}) {
      return runCli('worker', { REDIS_URL: redis.url, WORKER_NAME: name, RUNS_FILE: runsFile, ...env }, { entry: 'server-mock/faults/worker.ts' });
    },

    /** A backend in the test process: the Redis broker, for `ledger.publish`. It trims history too: give it the gateways' limits. */
    async backend(options: { historyMaxLen?: number } = {}): Promise<Broker> {
      const { createRedisBroker } = await import('../broker/redis.ts');
      const broker = await createRedisBroker({ url: redis.url, onError: () => brokerErrors++, ...options });
      closers.push(() => broker.close());
      return broker;
    },

    /** A plain connection to the case's Redis, to look at keys the way an operator would. */
    async inspect(): Promise<Redis> {
      const conn = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      conn.on('error', () => {});
      await conn.connect();
      closers.push(() => conn.disconnect());
      return conn;
    },

    async proxy(upstreams: string[]): Promise<FaultProxy> {
      const p = await startFaultProxy({ upstreams });
      closers.push(() => p.close());
      return p;
    },

    /** A client of the ledger, authenticated as `user`, on `url`. */
    client(name: string, user: string, url: string, options: Partial<ClientOptions> = {}): Client {
      return ledger.client(name, user, { url, token: () => signDevToken(SECRET, user, 600), ...options });
    },

    runs: () => readRuns(runsFile),

    /** Run `fn` every `ms` without waiting for it (a steady rate, whatever Redis does), until the returned stop or the case's end. */
    every(ms: number, fn: () => unknown): () => void {
      const timer = setInterval(fn, ms);
      const stop = () => clearInterval(timer);
      closers.push(stop);
      return stop;
    },

    /** Run `body(1)`, `body(2)`, … one after the other until the returned `stop()` or the case's end. */
    repeat(body: (i: number) => Promise<unknown>): { stop(): void } {
      let on = true;
      closers.push(() => (on = false));
      void (async () => {
        for (let i = 1; on && !stopped; i++) await body(i);
      })();
      return { stop: () => (on = false) };
    },

    async stop() {
      stopped = true;
      ledger.closeAll();
      for (const close of closers.splice(0).reverse()) await Promise.resolve(close()).catch(() => {});
      await stopAll();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type Case = Awaited<ReturnType<typeof startCase>>;

/** Poll `check` every `everyMs` until it holds or `ms` passed; says which, so a case can print its figures either way. */
export async function waitFor(check: () => boolean, ms: number, everyMs = 100): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Inside a `describe`: start a case per test with `start()`; it is stopped after the test,
 * passed or failed, and anything left (a case that failed half-started) after the file.
 */
export function useCases() {
  let current: Case | undefined;
  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });
  afterAll(async () => {
    await stopAll();
    await stopAllRedisServers();
  });
  return {
    start: async () => (current = await startCase()),
  };
}

/** The gateway's `GET /health`. */
export async function health(gateway: Pick<Gateway, 'port'>): Promise<{ status: string; connections?: number; pendingCalls?: number }> {
  const res = await fetch(`http://127.0.0.1:${gateway.port}/health`);
  return (await res.json()) as { status: string; connections?: number };
}

/** Resident memory of process `pid` in bytes, from /proc (Linux; elsewhere undefined, and the memory bounds hold trivially). */
export function rssOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Sample the RSS of `pid` every `ms`: the first sample and the peak so far. */
export function sampleRss(pid: number | undefined, ms = 50) {
  const first = rssOf(pid) ?? 0;
  let peak = first;
  const timer = setInterval(() => (peak = Math.max(peak, rssOf(pid) ?? 0)), ms);
  return {
    first,
    peak: () => peak,
    stop: () => clearInterval(timer),
  };
}

export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
export const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

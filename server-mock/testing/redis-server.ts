/**
 * A private `redis-server` for the tests that break Redis: started on a free port with no
 * persistence, ready once it answers PING; `restart()` SIGKILLs it and starts an empty one
 * on the same port ("Redis restarted without persistence"); `stop()` kills it for good.
 * Without the binary, `describeWithRedisServer` skips locally and fails on CI (CI=true), as
 * `redis.ts` does for a shared Redis.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { freePort } from './processes.ts';

export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** The running server's pid. */
  readonly pid: number | undefined;
  /** SIGKILL, then an empty server on the same port; resolves once it answers PING. */
  restart(): Promise<void>;
  /** SIGKILL it (no save, no goodbye to clients), leaving the port free for `start`. */
  kill(): Promise<void>;
  /** Start it again on the same port, empty, after `kill`; resolves once it answers PING. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const running = new Set<RedisServer>();

/** Why `redis-server` cannot be run here, or undefined when it can. */
export function redisServerMissing(): string | undefined {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error) return (probe.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'redis-server is not on PATH' : probe.error.message;
  return probe.status === 0 ? undefined : `redis-server --version exited with ${probe.status}`;
}

/** Whether something answers PING on `port` within `ms`. */
function pings(port: number, ms = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), ms);
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => done(String(d).startsWith('+PONG')));
    s.on('error', () => done(false));
  });
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tether-redis-'));
  let child: ChildProcess | undefined;
  let log = '';

  async function launch() {
    log = '';
    const c = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = c;
    const read = (d: Buffer) => (log += d.toString());
    c.stdout!.on('data', read);
    c.stderr!.on('data', read);
    const end = Date.now() + 10_000;
    while (!(await pings(port))) {
      if (c.exitCode !== null || Date.now() > end) {
        c.kill('SIGKILL');
        throw new Error(`redis-server on port ${port} did not answer PING:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async function kill() {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  }

  await launch();
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    async restart() {
      await kill();
      await launch();
    },
    kill,
    start: launch,
    async stop() {
      running.delete(server);
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  running.add(server);
  return server;
}

/** Stop every server still running (for `afterAll`, should a test have left one). */
export async function stopAllRedisServers(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
}

/** `describe(name, body)` when `redis-server` can run; otherwise a skip (locally) or a failure (CI). */
export function describeWithRedisServer(name: string, body: () => void) {
  const missing = redisServerMissing();
  if (!missing) return describe(name, body);
  if (process.env.CI) {
    return describe(name, () => {
      it('needs redis-server', () => {
        throw new Error(`Cannot run redis-server (${missing}). CI must provide Redis 7: apt-get install redis-server.`);
      });
    });
  }
  console.warn(`Skipping "${name}": cannot run redis-server (${missing}). Install Redis 7 (apt-get install redis-server) to run the fault suite.`);
  return describe.skip(`${name} (no redis-server)`, body);
}

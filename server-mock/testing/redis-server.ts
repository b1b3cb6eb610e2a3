/**
 * A private `redis-server` for the tests that restart or stop Redis: its own free port, no
 * persistence (a restart loses everything, as a cache-mode Redis does), killed with the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from './processes.ts';
import { unreachable } from './redis.ts';

export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** SIGKILL it (no save, no goodbye to clients). */
  kill(): Promise<void>;
  /** Start it again on the same port, empty; resolves once it answers PING. */
  start(): Promise<void>;
  /** `kill` then `start`: a restart without persistence. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  const start = async () => {
    const c = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    child = c;
    const failed = once(c, 'exit').then(([code]) => {
      throw new Error(`redis-server on port ${port} exited with ${code}`);
    });
    failed.catch(() => {});
    const end = Date.now() + 5000;
    while ((await unreachable(url)) !== undefined) {
      if (Date.now() > end) throw new Error(`redis-server on port ${port} did not answer within 5 s`);
      await Promise.race([new Promise((r) => setTimeout(r, 20)), failed]);
    }
  };
  const kill = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = once(c, 'exit');
    c.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    port,
    url,
    kill,
    start,
    restart: async () => {
      await kill();
      await start();
    },
    stop: kill,
  };
}

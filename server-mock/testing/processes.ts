/**
 * Gateways and workers as real child processes (the CLIs, run through tsx), for the tests
 * that kill one with SIGKILL or SIGTERM. Each is ready when its "listening"/"running" log
 * line appears; `stopAll()` kills whatever is left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

const children = new Set<ChildProcess>();

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * Run `server-mock/cli/<cli>.ts` with `env`; resolves once its log says it is up. `entry`
 * runs another script that starts the same way (a worker with the fault suite's methods).
 */
export async function runCli(
  cli: 'gateway' | 'worker' | 'start',
  env: Record<string, string>,
  options: { entry?: string } = {},
): Promise<ChildProcess & { output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', options.entry ?? `server-mock/cli/${cli}.ts`], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let out = '';
  const ready = cli === 'worker' ? 'worker running' : 'gateway listening';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cli} did not start:\n${out}`)), 15_000);
    const read = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(ready)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cli} exited with ${code}:\n${out}`));
    });
  });
  return Object.assign(child, { output: () => out });
}

/** Kill every child still running. */
export async function stopAll() {
  await Promise.all(
    [...children].map(
      (c) =>
        new Promise<void>((resolve) => {
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
}

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

/** The script each name runs: the package's CLIs, and `npm start`'s. */
const scripts = { gateway: 'server-mock/cli/gateway.ts', worker: 'server-mock/cli/worker.ts', dev: 'server-mock/cli/dev.ts', start: 'demo/start.ts' };

/**
 * Run a CLI with `env`; resolves once its log says it is up. A worker (and `dev`) runs the
 * demo's methods unless `WORKER_MODULE` says otherwise. `entry` runs another script that
 * starts the same way (a worker with the fault suite's methods).
 */
export async function runCli(
  cli: 'gateway' | 'worker' | 'dev' | 'start',
  env: Record<string, string>,
  options: { entry?: string } = {},
): Promise<ChildProcess & { output: () => string }> {
  const methods = cli === 'worker' || cli === 'dev' ? { WORKER_MODULE: 'demo/methods.ts' } : {};
  // The development servers print their banner last, once everything is up.
  const ready = cli === 'worker' ? 'worker running' : cli === 'gateway' ? 'gateway listening' : 'health  ';
  return spawnReady(cli, process.execPath, ['--import', 'tsx', options.entry ?? scripts[cli]], { env: { ...process.env, LOG_LEVEL: 'info', ...methods, ...env } }, ready);
}

/**
 * Run `command` as a child that `stopAll()` reaches; resolves once its output (stdout or stderr)
 * contains `ready`, rejects if it exits first or says nothing of the kind within 15 s.
 */
export async function spawnReady(
  what: string,
  command: string,
  args: string[],
  options: { cwd?: string; env: NodeJS.ProcessEnv },
  ready: string,
): Promise<ChildProcess & { output: () => string }> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start:\n${out}`)), 15_000);
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
      reject(new Error(`${what} exited with ${code}:\n${out}`));
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

/**
 * The parent side of the benchmark servers: each server runs in a child process of its own
 * (so the client load and the server use separate cores, as in production), started with
 * `--expose-gc` for memory readings, driven over IPC. `stopChildren()` kills whatever is left.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { build } from 'esbuild';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const serversDir = resolve(dirname(fileURLToPath(import.meta.url)), '../servers');
/** Inside the repository, so the compiled servers resolve its node_modules. */
const buildDir = resolve(dirname(fileURLToPath(import.meta.url)), '../.build');
const running = new Set<ChildProcess>();

export interface Child {
  /** What the server announced when ready (`port`, …). */
  info: Record<string, unknown>;
  port: number;
  pid: number;
  /** Send a command (see `servers/control.ts`), resolve with its answer. */
  request<T = unknown>(cmd: string, args?: Record<string, unknown>): Promise<T>;
  /** Kill with `signal`; resolves when the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Resolves when the process exits. */
  exited: Promise<number | null>;
  /** Everything it wrote to stdout and stderr. */
  output(): string;
}

const built = new Map<string, Promise<string>>();

/**
 * `bench/servers/<name>.ts` compiled to plain JavaScript (once per run), as the gateway and
 * worker run in production (the `tether-*` bins are compiled too). Through tsx they would
 * carry its loader, and its `keepNames` wrapping cost about 1.4 KiB per connection and a few
 * per cent of CPU that no deployment pays; a restart would also take longer.
 */
function compiled(name: string): Promise<string> {
  let file = built.get(name);
  if (!file) {
    const outfile = resolve(buildDir, `${name}.mjs`);
    file = build({
      entryPoints: [resolve(serversDir, `${name}.ts`)],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      // The protocol from the sources, as the tests use it: a benchmark never runs a stale build.
      alias: { 'tether-rpc/protocol': resolve(serversDir, '../../src/protocol/index.ts') },
      outfile,
      logLevel: 'silent',
    }).then(() => outfile);
    built.set(name, file);
  }
  return file;
}

/**
 * Start `bench/servers/<name>.ts` with `env`; resolves when it reports ready. `env.V8_FLAGS`
 * (space-separated) adds V8 flags that NODE_OPTIONS refuses, such as `--min-semi-space-size`.
 */
export async function startChild(name: string, env: Record<string, string> = {}, timeoutMs = 20_000): Promise<Child> {
  const v8Flags = env.V8_FLAGS?.split(' ').filter(Boolean) ?? [];
  const child = fork(await compiled(name), [], {
    // BENCH_PROF_DIR=/tmp/prof: every server writes a CPU profile there (`node --cpu-prof`) when it exits.
    execArgv: ['--expose-gc', ...v8Flags, ...(process.env.BENCH_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF_DIR}`] : [])],
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  running.add(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => (running.delete(child), r(code))));

  let next = 1;
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  child.on('message', (m: { id?: number; ok?: boolean; value?: unknown; error?: string }) => {
    const w = m.id !== undefined ? waiting.get(m.id) : undefined;
    if (!w) return;
    waiting.delete(m.id!);
    if (m.ok) w.resolve(m.value);
    else w.reject(new Error(`${name}: ${m.error}`));
  });
  void exited.then((code) => {
    for (const w of waiting.values()) w.reject(new Error(`${name} exited (${code}) during a command:\n${out}`));
    waiting.clear();
  });

  return new Promise<Child>((resolveReady, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start in ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready:\n${out}`));
    });
    child.on('message', function onReady(m: { ready?: boolean; port?: number }) {
      if (!m.ready) return;
      clearTimeout(timer);
      child.off('message', onReady);
      resolveReady({
        info: m,
        port: m.port ?? 0,
        pid: child.pid!,
        exited,
        output: () => out,
        request<T>(cmd: string, args?: Record<string, unknown>) {
          const id = next++;
          return new Promise<T>((res, rej) => {
            waiting.set(id, { resolve: res as (v: unknown) => void, reject: rej });
            child.send({ id, cmd, args });
          });
        },
        async kill(signal: NodeJS.Signals = process.env.BENCH_PROF_DIR ? 'SIGTERM' : 'SIGKILL') {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill(signal);
          await exited;
        },
      });
    });
  });
}

/** Kill every child still running (on exit and between suites). */
export async function stopChildren() {
  await Promise.all(
    [...running].map(
      (c) =>
        new Promise<void>((r) => {
          if (c.exitCode !== null || c.signalCode !== null) return r();
          c.once('exit', () => r());
          c.kill('SIGKILL');
        }),
    ),
  );
}

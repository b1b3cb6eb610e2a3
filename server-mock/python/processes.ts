/**
 * The Python worker as a process for the cross-language tests (vitest and Playwright): which
 * interpreter runs it, what it is missing, starting `python -m tether_worker` (stopped, like every
 * process the tests start, by `stopAll()` of `../testing/processes.ts`).
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnReady } from '../testing/processes.ts';

/** `$TETHER_PYTHON`, else Debian's /usr/bin/python3 (the `python3` first on PATH may be another one without the packages). */
export const python = process.env.TETHER_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
/** server-mock/python: the folder to run `python -m tether_worker` from. */
export const pythonRoot = fileURLToPath(new URL('.', import.meta.url));

export const INSTALL = 'apt-get install python3-redis python3-pydantic (Debian), or pip install redis pydantic';

/** What the interpreter cannot do, or undefined when it imports redis.asyncio and pydantic (Python ≥ 3.11). */
export function pythonMissing(modules: readonly string[] = ['redis.asyncio', 'pydantic']): string | undefined {
  const code = `import sys\nassert sys.version_info >= (3, 11), "Python 3.11+ is needed, this is " + sys.version.split()[0]\n${modules.map((m) => `import ${m}`).join('\n')}`;
  const out = spawnSync(python, ['-c', code], { encoding: 'utf8' });
  if (out.error) return `${python} cannot be run (${out.error.message})`;
  if (out.status !== 0) return `${python} fails: ${out.stderr.trim().split('\n').pop()}`;
  return undefined;
}

/** `python -m tether_worker --describe <module>`: the methods' JSON Schemas, as the worker announces them. */
export function describePythonModule(module: string): unknown {
  const out = spawnSync(python, ['-m', 'tether_worker', '--describe', module], { cwd: pythonRoot, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`python -m tether_worker --describe ${module} failed:\n${out.stderr}`);
  return JSON.parse(out.stdout) as unknown;
}

/** `python -m tether_worker <module>` as a child process (`stopAll()` kills it), resolved once its log says it is running. */
export function runPythonWorker(module: string, env: Record<string, string>): Promise<ChildProcess & { output: () => string }> {
  return spawnReady('the Python worker', python, ['-m', 'tether_worker', module], { cwd: pythonRoot, env: { ...process.env, LOG_LEVEL: 'info', ...env } }, 'worker running');
}

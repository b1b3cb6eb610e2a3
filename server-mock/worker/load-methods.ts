/**
 * A worker's methods from the module an app names (`tether-worker --worker ./methods.js`,
 * `tether-dev --worker ./methods.ts`): its `methods` export (or default export), an array of
 * methods from `implement` or `defineMethod`, or a function returning one. A TypeScript module
 * is loaded through tsx when the app has it installed, so a newcomer needs no build step.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MethodDefinition } from './define.ts';

const TYPESCRIPT = /\.[cm]?tsx?$/;

/** Load `specifier` (a path, relative to `cwd`) and return the methods it exports. Throws an error that says what to do. */
export async function loadMethods(specifier: string, cwd = process.cwd()): Promise<MethodDefinition[]> {
  const url = pathToFileURL(resolve(cwd, specifier)).href;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    if (!TYPESCRIPT.test(specifier) || (error as NodeJS.ErrnoException).code !== 'ERR_UNKNOWN_FILE_EXTENSION') {
      throw new Error(`Could not load the worker module ${specifier}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    await registerTypeScript(specifier, cwd);
    // A new URL: Node keeps the failed attempt under the old one.
    mod = (await import(`${url}?typescript`)) as Record<string, unknown>;
  }
  const exported = mod.methods ?? mod.default;
  const methods = typeof exported === 'function' ? await (exported as () => unknown)() : exported;
  const bad = !Array.isArray(methods) || methods.length === 0 || !methods.every(isMethod);
  if (bad) {
    throw new Error(
      `The worker module ${specifier} must export \`methods\`: an array made by implement(contract, handlers) or defineMethod(…) (or a function returning one)`,
    );
  }
  return methods as MethodDefinition[];
}

function isMethod(m: unknown): boolean {
  const d = m as Partial<MethodDefinition> | null;
  return typeof d?.name === 'string' && typeof d.handler === 'function' && !!d.params?.['~standard'] && !!d.result?.['~standard'];
}

/** Node cannot import TypeScript by itself (before 22.6): use the app's tsx, or say how to get it. */
async function registerTypeScript(specifier: string, cwd: string) {
  let api: string;
  try {
    // The app's own tsx, found from its folder; its ESM API (the `import` entry of `tsx/esm/api`).
    const manifest = createRequire(join(cwd, 'package.json')).resolve('tsx/package.json');
    const exports = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports;
    api = pathToFileURL(join(dirname(manifest), exports['./esm/api']!.import.default)).href;
  } catch {
    throw new Error(`The worker module ${specifier} is TypeScript: install tsx (npm install -D tsx), or compile it to JavaScript and pass the .js file`);
  }
  const { register } = (await import(api)) as { register: () => void };
  register();
}

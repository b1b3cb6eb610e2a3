#!/usr/bin/env node
/**
 * The package's JavaScript: one ESM file per entry point in `dist/` (`index`, `protocol`,
 * `observers`, `react`, `vue`, `shared`), code shared by several entries in `dist/chunks/`, every
 * dependency and peer left as an import, readable (apps minify), with sourcemaps.
 *
 * Built with esbuild rather than Vite's library mode because esbuild inlines the protocol's
 * enum members (`ErrorCode.Forbidden` becomes `-32002`) across modules, as it does in an
 * app's bundle of the sources: without that, every app would carry both code tables and
 * their names (about 300 bytes gzipped of a 10 KiB budget).
 * Types come from `tsc -p tsconfig.build.json`; `dist/tether.js` from `vite build --mode browser`.
 *
 * Usage: node scripts/build-package.mjs
 */
import { readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));

/** Entry points of the package: output name in `dist/` → source. Adding one is a line here plus `exports` in package.json. */
const entryPoints = {
  index: 'src/core/index.ts',
  protocol: 'src/protocol/index.ts',
  observers: 'src/observers/index.ts',
  react: 'src/react/index.ts',
  vue: 'src/vue/index.ts',
  shared: 'src/shared/index.ts',
};
/** Every dependency and peer, and their subpaths (`zod/mini`), stays an import. */
const external = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies }).flatMap((d) => [d, `${d}/*`]);

// Only what this build makes: `dist/` also holds the browser file, the types and the demo's build.
rmSync(new URL('dist/chunks', root), { recursive: true, force: true });
for (const name of Object.keys(entryPoints)) {
  for (const file of [`${name}.js`, `${name}.js.map`]) rmSync(new URL(`dist/${file}`, root), { force: true });
}
await build({
  absWorkingDir: new URL('.', root).pathname,
  entryPoints,
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  external,
  sourcemap: true,
  logLevel: 'warning',
});

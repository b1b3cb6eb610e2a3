#!/usr/bin/env node
/**
 * `dist/demo/contract.js`: the demo's contract (demo/shared/contract.ts) for the plain page,
 * which has no bundler: zod/mini inside, `tether-rpc` taken from the `/tether.js` the page
 * already loads. The SPAs import the same file through Vite.
 */
import { build } from 'esbuild';

await build({
  absWorkingDir: new URL('..', import.meta.url).pathname,
  entryPoints: ['demo/shared/contract.ts'],
  outfile: 'dist/demo/contract.js',
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  alias: { 'tether-rpc': '/tether.js' },
  external: ['/tether.js'],
  logLevel: 'warning',
});

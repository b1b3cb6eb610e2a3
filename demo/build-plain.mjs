#!/usr/bin/env node
/**
 * What the plain page (demo/plain/index.html, no bundler) imports beside `/tether.js`:
 *
 *   dist/demo/contract.js   the demo's contract (demo/shared/contract.ts), zod/mini inside,
 *                           `tether-rpc` taken from the `/tether.js` the page already loads
 *   dist/demo/kit.js        the timeline, the "Try this" strip and the settings the SPAs use too
 *   dist/demo/shared.js     `tether-rpc/shared` for the page's `?share=1`, dependencies inside
 *
 * The SPAs import the same files through Vite.
 */
import { build } from 'esbuild';

const common = {
  absWorkingDir: new URL('..', import.meta.url).pathname,
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  logLevel: 'warning',
};

await Promise.all([
  build({ ...common, entryPoints: ['demo/shared/contract.ts'], outfile: 'dist/demo/contract.js', alias: { 'tether-rpc': '/tether.js' }, external: ['/tether.js'] }),
  build({ ...common, entryPoints: ['demo/plain/kit.ts'], outfile: 'dist/demo/kit.js' }),
  build({ ...common, entryPoints: ['src/shared/index.ts'], outfile: 'dist/demo/shared.js' }),
]);

/**
 * Weighs a bundle the way an app's bundler would build it: esbuild with `bundle, minify,
 * format: 'esm', platform: 'browser'`, every dependency inside except `external`, then gzip
 * at level 9. Shared by the size budget (scripts/size.mjs) and the bundle benchmark
 * (bench/suites/bundle.ts), so that both report the same bytes for the same code.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** @param {Uint8Array} bytes */
export const gzipSize = (bytes) => gzipSync(bytes, { level: 9 }).length;

/**
 * Bundles `contents` (an entry module's source, resolved from the repo root) or, for
 * `modules`, an entry re-exporting each of them, so the bundle holds exactly what an app
 * importing all of them gets. Returns the minified and gzipped sizes and the inputs by
 * their minified bytes in the output, largest first.
 *
 * With `asConsumer`, `contents` is resolved from outside the repository, where `tether-rpc`
 * is an installed package: its imports go through the package's `exports` to the built
 * `dist/` files, which is what an app gets (run `npm run build` first).
 *
 * @param {{ contents?: string, modules?: string[], external?: string[], asConsumer?: boolean }} input
 */
export async function measureBundle({ contents, modules = [], external = [], asConsumer = false }) {
  const entry = contents ?? modules.map((m) => `export * from ${JSON.stringify(resolve(root, m))};`).join('\n');
  let app;
  if (asConsumer) {
    app = mkdtempSync(join(tmpdir(), 'tether-size-'));
    mkdirSync(join(app, 'node_modules'));
    symlinkSync(root, join(app, 'node_modules', 'tether-rpc'), 'dir');
  }
  const result = await build({
    stdin: { contents: entry, resolveDir: app ?? root, sourcefile: 'size-entry.ts', loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    external,
    write: false,
    metafile: true,
    logLevel: 'silent',
  }).finally(() => app && rmSync(app, { recursive: true, force: true }));
  const code = result.outputFiles[0].contents;
  const inputs = Object.values(result.metafile.outputs)[0].inputs;
  const top = Object.entries(inputs)
    .map(([file, { bytesInOutput }]) => ({ file, bytes: bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes);
  return { min: code.length, gz: gzipSize(code), top };
}

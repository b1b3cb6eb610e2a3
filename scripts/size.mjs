#!/usr/bin/env node
/**
 * The bundle-size budget: what an app pays, gzipped, for importing Tether.
 *
 * Each budget is what an app's code imports, resolved as an installed package (through
 * `tether-rpc`'s `exports` to the built `dist/` files, so run `npm run build` first), bundled
 * the way an app's bundler would (esbuild with `bundle, minify, format: 'esm', platform:
 * 'browser'`, every dependency inside), gzipped at level 9 (both in scripts/measure-bundle.mjs)
 * and compared with its limit. Exits 1 when any budget is over.
 * `dist/tether.js` (the no-bundler browser file) is reported too, for information only.
 *
 * Usage: node scripts/size.mjs
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSize, measureBundle } from './measure-bundle.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** "At most 10 KiB" gzipped: 10,240 bytes. */
const CORE_LIMIT = 10_240;
/** A framework binding may add at most this much on top of the core. */
const BINDING_LIMIT = 1_500;
/** The shared connection (`tether-rpc/shared`) may add at most this much on top of the core. */
const SHARED_LIMIT = 3_072;

/**
 * What is measured: an app's imports (`contents`); `external` lists what the app brings anyway
 * (peer dependencies such as react or vue), which does not count.
 */
const budgets = [
  { name: 'core (tether-rpc)', contents: `export { createClient } from 'tether-rpc';`, limit: CORE_LIMIT },
  // A binding is measured with the core it needs, every export of it; its budget is the core as measured plus 1.5 KB.
  { name: 'core + react', contents: `export { createClient } from 'tether-rpc';\nexport * from 'tether-rpc/react';`, external: ['react'], onTopOfCore: BINDING_LIMIT },
  { name: 'core + vue', contents: `export { createClient } from 'tether-rpc';\nexport * from 'tether-rpc/vue';`, external: ['vue'], onTopOfCore: BINDING_LIMIT },
  // What a page of a shared connection imports: the tab's client, the hub a leader runs, the election.
  { name: 'shared (tether-rpc/shared)', contents: `export { createSharedClient } from 'tether-rpc/shared';`, onTopOfCore: SHARED_LIMIT },
].map((b) => ({ ...b, asConsumer: true }));

const fmt = (n) => n.toLocaleString('en-US');
const rows = [];
/** The core's measured size, which the bindings' budgets are relative to. */
let coreGz = 0;
const over = [];
for (const b of budgets) {
  let m;
  try {
    m = await measureBundle(b);
  } catch (error) {
    console.error(`size: could not bundle ${b.name}:\n${error.message ?? error}`);
    process.exit(1);
  }
  if (b.onTopOfCore !== undefined) b.limit = coreGz + b.onTopOfCore;
  else coreGz = m.gz;
  const ok = m.gz <= b.limit;
  if (!ok) over.push({ ...b, ...m });
  rows.push([b.name, fmt(m.min), fmt(m.gz), fmt(b.limit), ok ? 'ok' : `OVER by ${fmt(m.gz - b.limit)}`]);
}

const browserFile = resolve(root, 'dist/tether.js');
if (existsSync(browserFile)) {
  const bytes = readFileSync(browserFile);
  rows.push(['dist/tether.js (info)', fmt(bytes.length), fmt(gzipSize(bytes)), '-', '-']);
} else {
  rows.push(['dist/tether.js (info)', '-', '-', '-', 'not built']);
}

const header = ['bundle', 'minified B', 'gzip -9 B', 'limit B', 'status'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));

if (over.length) {
  for (const b of over) {
    console.error(`\n${b.name} is over its budget. Largest inputs (minified bytes before gzip):`);
    for (const { file, bytes } of b.top.slice(0, 10)) {
      const name = file.startsWith('<stdin>') ? file : relative(root, resolve(root, file));
      console.error(`  ${fmt(bytes).padStart(8)}  ${name}`);
    }
  }
  process.exit(1);
}

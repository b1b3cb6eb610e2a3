#!/usr/bin/env node
/**
 * The bundle-size budget: what an app pays, gzipped, for importing Tether.
 *
 * Each budget bundles its modules the way an app's bundler would (esbuild with
 * `bundle, minify, format: 'esm', platform: 'browser'`, every dependency inside), gzips
 * the result at level 9 (both in scripts/measure-bundle.mjs) and compares it with its
 * limit. Exits 1 when any budget is over.
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

/**
 * What is measured. `modules` are re-exported from one entry, so the bundle holds exactly
 * what an app importing all of them gets; `external` lists what the app brings anyway
 * (peer dependencies such as react or vue), which does not count.
 */
const budgets = [
  { name: 'core (tether-rpc)', modules: ['src/core/index.ts'], limit: CORE_LIMIT },
  // A binding is measured with the core it needs; its budget is the core as measured plus 1.5 KB.
  { name: 'core + react', modules: ['src/core/index.ts', 'src/react/index.ts'], external: ['react'], onTopOfCore: BINDING_LIMIT },
  { name: 'core + vue', modules: ['src/core/index.ts', 'src/vue/index.ts'], external: ['vue'], onTopOfCore: BINDING_LIMIT },
];

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

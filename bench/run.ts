/**
 * `npm run bench [-- <suite>…] [--smoke] [--reps N] [--report]`: runs the benchmark suites one after
 * another (never two at once: they would measure each other), stores their results in
 * `bench/results.json` and renders BENCHMARKS.md and `bench/charts/*.svg` from them.
 * `--smoke` runs every suite with tiny counts and checks the report renders, writing
 * nothing: `npm test` runs it so the benchmarks cannot rot. `--report` only renders.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stopChildren } from './lib/children.ts';
import { readMeta } from './lib/meta.ts';
import { renderReport, type Results } from './lib/report.ts';
import type { AnySuite } from './lib/types.ts';
import { bundle } from './suites/bundle.ts';
import { fanout } from './suites/fanout.ts';
import { memory } from './suites/memory.ts';
import { rpc } from './suites/rpc.ts';
import { soak } from './suites/soak.ts';
import { storm } from './suites/storm.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const suites: AnySuite[] = [rpc, soak, fanout, memory, storm, bundle];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    smoke: { type: 'boolean', default: false },
    reps: { type: 'string' },
    /** Render BENCHMARKS.md from the stored results, measuring nothing. */
    report: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log('npm run bench [-- <suite>…] [--smoke] [--reps N] [--report]\n');
  for (const s of suites) console.log(`  ${s.name.padEnd(8)} ${s.about}`);
  process.exit(0);
}
const unknown = positionals.filter((p) => !suites.some((s) => s.name === p));
if (unknown.length) {
  console.error(`unknown suite ${unknown.join(', ')}; the suites are: ${suites.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
const selected = values.report ? [] : positionals.length ? suites.filter((s) => positionals.includes(s.name)) : suites;
const smoke = values.smoke;
const reps = smoke ? 1 : Math.max(3, Number(values.reps ?? 3));
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const command = `npm run bench${positionals.length ? ` -- ${positionals.join(' ')}` : ''}${values.reps ? ` --reps ${values.reps}` : ''}`;
const log = (m: string) => process.stderr.write(`${m}\n`);

process.on('SIGINT', () => void stopChildren().then(() => process.exit(130)));

const resultsFile = join(root, 'bench/results.json');
const results: Results = !smoke && existsSync(resultsFile) ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as Results) : {};
const meta = await readMeta(command, redisUrl);
if (meta.redis === 'unreachable' && selected.length) {
  console.error(`Redis is not reachable at ${redisUrl}: the RPC and storm suites need it.\nStart one: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no\nor point to one: REDIS_URL=redis://host:6379 npm run bench`);
  process.exit(1);
}

let failed = false;
for (const suite of selected) {
  const started = performance.now();
  log(`\n==> ${suite.name}: ${suite.about}${smoke ? ' (smoke)' : ''}`);
  try {
    const result = await suite.run({ smoke, reps, redisUrl, log });
    results[suite.name] = { meta, seconds: (performance.now() - started) / 1000, result };
    log(`${suite.name}: done in ${Math.round((performance.now() - started) / 1000)} s`);
  } catch (error) {
    failed = true;
    console.error(`${suite.name} failed:`, error);
  } finally {
    await stopChildren();
  }
}

// Rendering is part of what smoke mode checks; it writes into a scratch directory then.
const baselineFile = join(root, 'bench/baseline.json');
const baseline: Results = existsSync(baselineFile) ? (JSON.parse(readFileSync(baselineFile, 'utf8')) as Results) : {};
const findingsFile = join(root, 'bench/findings.md');
const findings = existsSync(findingsFile) ? readFileSync(findingsFile, 'utf8') : '';
const { markdown, charts } = renderReport(suites, results, baseline, findings);
const outDir = smoke ? mkdtempSync(join(tmpdir(), 'tether-bench-')) : root;
mkdirSync(join(outDir, 'bench/charts'), { recursive: true });
for (const [file, svg] of Object.entries(charts)) writeFileSync(join(outDir, 'bench/charts', file), svg);
writeFileSync(join(outDir, 'BENCHMARKS.md'), `${markdown}\n`);
if (smoke) {
  const problems = selected.filter((s) => !results[s.name]).map((s) => `${s.name}: no result`);
  if (/\bNaN\b|undefined/.test(markdown)) problems.push('the report shows NaN or undefined');
  // A figure made of failed calls measures nothing: a limit or a missing method shows up here first.
  for (const s of selected) for (const where of failedCalls(results[s.name]?.result)) problems.push(`${s.name}: ${where}`);
  rmSync(outDir, { recursive: true, force: true });
  if (problems.length) {
    console.error(`bench smoke failed:\n  ${problems.join('\n  ')}`);
    failed = true;
  } else log(`\nbench smoke: ${selected.length} suites ran and rendered`);
} else {
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 1)}\n`);
  log(`\nwrote BENCHMARKS.md and ${Object.keys(charts).length} charts in bench/charts/`);
}
process.exit(failed ? 1 : 0);

/** Paths in a suite's result whose `errors` count is not zero. */
function failedCalls(value: unknown, path = ''): string[] {
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) =>
    key === 'errors' && typeof v === 'number' && v > 0 ? [`${v} failed calls at ${path || '(top)'}`] : failedCalls(v, path ? `${path}.${key}` : key),
  );
}

/**
 * BENCHMARKS.md from stored results: a summary of every target (met or not), then one
 * section per suite with its tables and charts, each saying when and how it was produced.
 * Suites re-run alone keep the others' results, so the file always shows the latest of each.
 */
import type { Meta } from './meta.ts';
import type { AnySuite, Rendered } from './types.ts';
import { mark, table } from './format.ts';

export interface StoredSuite {
  meta: Meta;
  seconds: number;
  result: unknown;
}
export type Results = Record<string, StoredSuite>;

/**
 * `baseline`: the same suites run against the code before the fixes the benchmarks led to
 * (`bench/baseline.json`); each target then shows its value before beside the current one.
 * `findings`: the hand-written account of what the profiles showed and what changed.
 */
export function renderReport(
  suites: AnySuite[],
  results: Results,
  baseline: Results = {},
  findings = '',
): { markdown: string; charts: Record<string, string> } {
  const present = suites.filter((s) => results[s.name]);
  const rendered = new Map<string, Rendered>(present.map((s) => [s.name, s.render(results[s.name]!.result)]));
  const charts = Object.assign({}, ...[...rendered.values()].map((r) => r.charts)) as Record<string, string>;
  const latest = present.map((s) => results[s.name]!.meta).sort((a, b) => b.date.localeCompare(a.date))[0];
  const before = new Map<string, string>();
  for (const s of suites) {
    const b = baseline[s.name];
    if (b) for (const t of s.render(b.result).targets) before.set(`${s.name}/${t.name}`, t.measured);
  }

  const summary = present.flatMap((s) =>
    rendered
      .get(s.name)!
      .targets.map((t) => [s.title, t.name, before.get(`${s.name}/${t.name}`) ?? '—', t.measured, t.bound, mark(t.met), `\`${results[s.name]!.meta.command}\``]),
  );
  const missed = summary.filter((r) => r[5] !== mark(true)).length;

  const out = [
    '# Benchmarks',
    '',
    'Tether measured side by side with the floor it is built on and with the libraries users would pick instead, in the same run,',
    'so that the ratios hold on a noisy shared machine. Every server listens on 127.0.0.1 only. Each figure is the median of',
    'at least 3 repetitions, with the smallest and largest in parentheses. Reproduce everything with `npm run bench`',
    '(about 6 minutes here), or one suite with `npm run bench -- <name>`; `npm run bench -- --report` rewrites this file from the',
    'stored results (`bench/results.json`) without measuring. `npm test` runs every suite in smoke mode so they cannot rot.',
    '',
  ];
  if (latest) {
    out.push(
      `Machine: ${latest.machine}; Node ${latest.node}; Redis ${latest.redis}.`,
      `Packages: ${Object.entries(latest.packages).map(([p, v]) => `${p} ${v}`).join(', ')}.`,
      '',
    );
  }
  out.push(
    '## Targets',
    '',
    `${summary.length - missed} of ${summary.length} targets met. A missed target is a finding, not a failure: it says where Tether is slower than it should be.`,
    '"Before" is the same benchmark run against the code before the fixes the first measurements led to (see [Findings](#findings-before-and-after)).',
    '',
    table(['suite', 'target', 'before', 'now', 'bound', '', 'command'], summary),
    '',
  );
  if (findings) out.push('## Findings: before and after', '', findings.trim(), '');
  for (const s of present) {
    const stored = results[s.name]!;
    out.push(
      `## ${s.title}`,
      '',
      `_${s.about}_ Produced by \`${stored.meta.command}\` on ${stored.meta.date.slice(0, 10)} (commit ${stored.meta.commit}, ${Math.round(stored.seconds)} s).`,
      '',
      rendered.get(s.name)!.markdown,
      '',
    );
    const targets = rendered.get(s.name)!.targets;
    if (targets.length) out.push(table(['target', 'measured', 'bound', ''], targets.map((t) => [t.name, t.measured, t.bound, mark(t.met)])), '');
  }
  return { markdown: out.join('\n'), charts };
}

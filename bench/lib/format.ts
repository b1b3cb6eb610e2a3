/** Number formatting shared by the suites' tables: figures with their spread over repetitions. */
import type { Spread } from './types.ts';

/** `1234.5` → `1,235`; small numbers keep two significant digits (`0.42`, `3.1`). */
export function num(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** A figure as "median (min–max)". */
export const withSpread = (s: Spread, scale = 1) => `${num(s.median * scale)} (${num(s.min * scale)}–${num(s.max * scale)})`;

/** A ratio as `1.23×`. */
export const ratio = (r: number) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : '—');

/** A markdown table. */
export function table(header: string[], rows: string[][]): string {
  const align = header.map((_, i) => (i === 0 ? ':--' : '--:'));
  return [header, align, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

export const mark = (met: boolean) => (met ? '✅ met' : '❌ missed');

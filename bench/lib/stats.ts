/**
 * Percentiles of latency samples and the median/min/max of a figure over repetitions.
 * Percentiles use the nearest-rank method on sorted samples, as HdrHistogram and wrk do.
 */
import type { Spread } from './types.ts';

/** Nearest-rank percentile (`p` in 0–100) of samples sorted ascending. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface Latency {
  p50: number;
  p95: number;
  p99: number;
}

/** p50/p95/p99 of unsorted samples. */
export function latency(samples: number[]): Latency {
  const sorted = Float64Array.from(samples).sort();
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
}

/** Median (the mean of the middle two for an even count), min and max. */
export function spread(values: number[]): Spread {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/** Each numeric field of the repetitions' records as a `Spread`: `[{a: 1}, {a: 3}]` → `{a: {median: 2, …}}`. */
export function spreadOf<K extends string>(reps: Record<K, number>[]): Record<K, Spread> {
  const out = {} as Record<K, Spread>;
  const keys = Object.keys(reps[0] ?? {}) as K[];
  for (const k of keys) out[k] = spread(reps.map((r) => r[k]));
  return out;
}

/** Latency percentiles at these points, for the distribution charts. */
export const CURVE_POINTS = [0, 10, 25, 50, 75, 90, 95, 99, 99.9, 100] as const;

/** The latency at each of `CURVE_POINTS`. */
export function curve(samples: number[]): number[] {
  const sorted = Float64Array.from(samples).sort();
  return CURVE_POINTS.map((p) => (p === 0 ? sorted[0] ?? Number.NaN : percentile(sorted, p)));
}

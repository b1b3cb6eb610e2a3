import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.ts';

const o = { initialMs: 500, factor: 2, maxMs: 30_000 };

describe('backoffDelay', () => {
  it('spans [0, min(max, initial·factor^attempt)) exactly', () => {
    expect(backoffDelay(0, o, () => 0)).toBe(0);
    expect(backoffDelay(0, o, () => 0.5)).toBe(250);
    expect(backoffDelay(3, o, () => 0.5)).toBe(2000);
    expect(backoffDelay(6, o, () => 0.999)).toBeCloseTo(29_970);
    expect(backoffDelay(60, o, () => 0.5)).toBe(15_000);
    expect(backoffDelay(5000, o, () => 0.5)).toBe(15_000); // factor^attempt overflows to Infinity; the cap holds
  });

  it('stays uniformly random at the cap (no lockstep retries)', () => {
    const draws = Array.from({ length: 20_000 }, () => backoffDelay(20, o));
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    const sd = Math.sqrt(draws.reduce((a, b) => a + (b - mean) ** 2, 0) / draws.length);
    // Uniform on [0, 30 000): mean 15 000, standard deviation 30 000/√12 ≈ 8 660.
    expect(mean).toBeGreaterThan(14_600);
    expect(mean).toBeLessThan(15_400);
    expect(sd).toBeGreaterThan(8_400);
    expect(sd).toBeLessThan(8_900);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(30_000);
    // Every tenth of the range gets about a tenth of the draws.
    const buckets = new Array(10).fill(0);
    for (const d of draws) buckets[Math.floor(d / 3000)]++;
    for (const b of buckets) expect(Math.abs(b - 2000)).toBeLessThan(250);
    // And no two clients in a crowd of a thousand are likely to share a millisecond bucket en masse.
    const perMs = new Map<number, number>();
    for (const d of draws.slice(0, 1000)) perMs.set(Math.floor(d), (perMs.get(Math.floor(d)) ?? 0) + 1);
    expect(Math.max(...perMs.values())).toBeLessThan(5);
  });

  it('grows the spread with the attempt until the cap', () => {
    const spread = (attempt: number) => Math.max(...Array.from({ length: 2000 }, () => backoffDelay(attempt, o)));
    expect(spread(0)).toBeLessThan(500);
    expect(spread(2)).toBeGreaterThan(1800);
    expect(spread(2)).toBeLessThan(2000);
    expect(spread(10)).toBeGreaterThan(29_000);
  });
});

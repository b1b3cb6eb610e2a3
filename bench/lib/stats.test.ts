import { describe, expect, it } from 'vitest';
import { curve, latency, percentile, spread, spreadOf } from './stats.ts';

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 95)).toBe(95);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('sorts samples numerically, not as strings', () => {
    expect(latency([10, 9, 100, 2]).p50).toBe(9);
    expect(curve([3, 1, 2])).toEqual([1, 1, 1, 2, 3, 3, 3, 3, 3, 3]);
  });
});

describe('spread', () => {
  it('gives the median with min and max', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(spread([4, 1, 2, 3])).toEqual({ median: 2.5, min: 1, max: 4 });
  });

  it('works field by field over repetitions', () => {
    expect(spreadOf([{ a: 1, b: 10 }, { a: 3, b: 30 }, { a: 2, b: 20 }])).toEqual({
      a: { median: 2, min: 1, max: 3 },
      b: { median: 20, min: 10, max: 30 },
    });
  });
});

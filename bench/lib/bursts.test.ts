import { describe, expect, it } from 'vitest';
import { peakInWindow, perBin } from './bursts.ts';

describe('peakInWindow', () => {
  it('finds a burst that straddles a fixed bucket boundary', () => {
    // Fixed 1 s buckets would see 2 and 2; a sliding window sees all 4 within 200 ms.
    expect(peakInWindow([900, 950, 1000, 1100, 5000], 1000)).toBe(4);
  });

  it('treats the window as half-open and ignores order and non-finite times', () => {
    expect(peakInWindow([1000, 0], 1000)).toBe(1);
    expect(peakInWindow([2, Number.NaN, 1, 3], 1000)).toBe(3);
    expect(peakInWindow([], 1000)).toBe(0);
  });
});

describe('perBin', () => {
  it('counts events per bin up to the last one', () => {
    expect(perBin([0, 249, 250, 900, -5, Number.NaN], 250)).toEqual([3, 1, 0, 1]);
    expect(perBin([], 250)).toEqual([]);
  });
});

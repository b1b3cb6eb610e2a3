/**
 * How bunched-up a set of event times is: the most events in any window of a given length
 * (sliding, so a burst that straddles a bucket boundary is not split in two), and counts per
 * fixed bin for charts. Times are in ms from any common origin.
 */

/** The most of `times` that fall in any half-open window `[t, t + windowMs)`. */
export function peakInWindow(times: readonly number[], windowMs: number): number {
  const sorted = Float64Array.from(times.filter(Number.isFinite)).sort();
  let best = 0;
  // The busiest window can always be slid right until it starts at an event, so only those starts count.
  for (let start = 0, end = 0; start < sorted.length; start++) {
    while (end < sorted.length && sorted[end]! < sorted[start]! + windowMs) end++;
    best = Math.max(best, end - start);
  }
  return best;
}

/** Events per bin `[k·binMs, (k+1)·binMs)` from 0 up to the last event; negative times land in bin 0. */
export function perBin(times: readonly number[], binMs: number): number[] {
  const finite = times.filter(Number.isFinite);
  if (!finite.length) return [];
  const bins = new Array<number>(Math.floor(Math.max(0, ...finite) / binMs) + 1).fill(0);
  for (const t of finite) bins[Math.max(0, Math.floor(t / binMs))]!++;
  return bins;
}

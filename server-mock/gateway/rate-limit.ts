/**
 * A token bucket: `perSecond` a second on average, bursts up to `burst` (by default the same
 * number). Refilled lazily from the clock, so idle connections cost nothing.
 */
export function createRateLimit(perSecond: number, now: () => number = Date.now, burst = perSecond) {
  let tokens = burst;
  let at = now();
  return {
    /** Take one token; false when the caller is over its rate. */
    take(): boolean {
      const t = now();
      tokens = Math.min(burst, tokens + ((t - at) / 1000) * perSecond);
      at = t;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

/**
 * A token bucket per connection: `perSecond` calls a second on average, bursts up to the same
 * number. Refilled lazily from the clock, so idle connections cost nothing.
 */
export function createRateLimit(perSecond: number, now: () => number = Date.now) {
  let tokens = perSecond;
  let at = now();
  return {
    /** Take one token; false when the caller is over its rate. */
    take(): boolean {
      const t = now();
      tokens = Math.min(perSecond, tokens + ((t - at) / 1000) * perSecond);
      at = t;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

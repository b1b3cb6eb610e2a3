/**
 * Reconnect delays: exponential with full jitter. The delay is drawn uniformly from
 * [0, cap), so a crowd of clients stays spread out even once every one of them has hit
 * the cap (libraries that jitter before capping all retry in lockstep at the cap).
 */

export interface BackoffOptions {
  /** Cap of the first delay. @default 500 */
  initialMs: number;
  /** Growth of the cap per attempt. @default 2 */
  factor: number;
  /** Largest cap. @default 30000 */
  maxMs: number;
}

/** The wait before attempt number `attempt` (0-based): uniform in [0, min(max, initial·factor^attempt)). */
export function backoffDelay(attempt: number, o: BackoffOptions, random: () => number = Math.random): number {
  return random() * Math.min(o.maxMs, o.initialMs * o.factor ** attempt);
}

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

/**
 * The wait before attempt number `attempt` (0-based): uniform in [0, min(max, initial·factor^attempt)),
 * the cap raised to at least `spreadMs`. The client passes its restart window there for every
 * retry after the first (and for all after a 1012): a crowd that lost one gateway then comes
 * back spread over that window once the gateway is up, rather than mostly within one second,
 * as short early caps would bring it.
 */
export function backoffDelay(attempt: number, o: BackoffOptions, random: () => number = Math.random, spreadMs = 0): number {
  return random() * Math.min(o.maxMs, Math.max(spreadMs, o.initialMs * o.factor ** attempt));
}

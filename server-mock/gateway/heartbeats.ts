/**
 * Heartbeats on a wheel: each authenticated session is visited once per `intervalMs`, but the
 * sessions are spread over `slots` ticks of the interval, so a gateway with thousands of
 * connections pings a few of them at a time instead of all at once (one sweep of 5,000 pings
 * lined up with the worst call latencies).
 */
import type { Session } from './session.ts';

export interface HeartbeatsOptions {
  intervalMs: number;
  /** Visit one session: drop it if it did not answer since the last visit, else ping it. */
  visit(session: Session): void;
  /** Ticks per interval. @default one per 100 ms of the interval, between 1 and 50 */
  slots?: number;
}

export function createHeartbeats(o: HeartbeatsOptions) {
  const n = Math.max(1, Math.floor(o.slots ?? Math.min(50, o.intervalMs / 100)));
  const wheel = Array.from({ length: n }, () => new Set<Session>());
  /** The slot the next session joins: round robin keeps the slots even. */
  let next = 0;
  let hand = 0;
  const timer = setInterval(() => {
    const slot = wheel[hand]!;
    hand = (hand + 1) % n;
    for (const s of [...slot]) o.visit(s);
  }, o.intervalMs / n);
  timer.unref();

  return {
    add(s: Session) {
      s.slot = next;
      wheel[next]!.add(s);
      next = (next + 1) % n;
    },
    remove(s: Session) {
      wheel[s.slot]?.delete(s);
      s.slot = -1;
    },
    /** Sessions per slot, for tests. */
    sizes: () => wheel.map((slot) => slot.size),
    stop: () => clearInterval(timer),
  };
}

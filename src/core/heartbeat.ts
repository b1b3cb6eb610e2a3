/**
 * The liveness watchdog. Deadlines are wall-clock: every frame records the time it arrived,
 * and the timer only decides when to look. A background tab whose timers fire a minute late
 * still receives frames, so it is not declared dead; a machine that slept has received
 * nothing, so it is. A timer that fires far later than asked means the page was frozen or
 * the machine slept: `onWake` lets the client probe at once instead of trusting the socket.
 */
import type { Timers } from './options.ts';

export interface WatchdogOptions {
  now: () => number;
  timers: Timers;
  /** How late a timer may fire before we assume the machine slept. */
  jumpMs: number;
  /** No frame for this long: the socket is dead. */
  onDead(): void;
  /** The clock jumped: probe the socket now. */
  onWake(): void;
}

export interface Watchdog {
  /** Start watching, with `timeoutMs` of silence allowed. */
  start(timeoutMs: number): void;
  /** A frame arrived. */
  feed(): void;
  stop(): void;
}

export function createWatchdog(o: WatchdogOptions): Watchdog {
  let last = 0;
  let due = 0;
  let limit = 0;
  let timer: unknown;
  const arm = (ms: number) => {
    due = o.now() + ms;
    timer = o.timers.setTimeout(check, ms);
  };
  const check = () => {
    const t = o.now();
    if (t - due > o.jumpMs) {
      arm(limit);
      return o.onWake();
    }
    const quiet = t - last;
    if (quiet >= limit) return o.onDead();
    arm(limit - quiet);
  };
  return {
    start(timeoutMs) {
      this.stop();
      limit = timeoutMs;
      last = o.now();
      arm(timeoutMs);
    },
    feed() {
      last = o.now();
    },
    stop() {
      o.timers.clearTimeout(timer);
    },
  };
}

/**
 * Fan-out timing: how long from just before a message is sent until the last of N sockets
 * has it. Each socket's handler calls `hit()` on arrival; `time()` starts the clock, sends,
 * and resolves once all N have arrived. Arrivals while nothing is being timed are ignored,
 * so join chatter (presence frames) and warm-up messages never count.
 */
import { performance } from 'node:perf_hooks';

export interface Arrivals {
  /** One socket has the message. */
  hit(): void;
  /** Milliseconds from just before `send()` until the `n`th arrival; rejects if they do not all arrive in `timeoutMs`. */
  time(n: number, send: () => Promise<unknown>, timeoutMs?: number): Promise<number>;
}

export function createArrivals(): Arrivals {
  let expected = 0;
  let got = 0;
  let last = 0;
  let done: (() => void) | undefined;
  return {
    hit() {
      if (!done) return;
      last = performance.now();
      if (++got === expected) {
        const d = done;
        done = undefined;
        d();
      }
    },
    async time(n, send, timeoutMs = 30_000) {
      expected = n;
      got = 0;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const all = new Promise<void>((resolve, reject) => {
        done = resolve;
        timer = setTimeout(() => {
          done = undefined;
          reject(new Error(`only ${got} of ${n} sockets got the message within ${timeoutMs} ms`));
        }, timeoutMs);
      });
      const t0 = performance.now();
      try {
        // The send's own answer (an IPC reply) may come after the last arrival: wait for both.
        await Promise.all([send(), all]);
      } finally {
        clearTimeout(timer);
        done = undefined;
      }
      return last - t0;
    },
  };
}

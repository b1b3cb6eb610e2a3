/**
 * A browser for the shared entry's unit tests: one lock manager and one set of broadcast
 * channels shared by its tabs, as Web Locks and `BroadcastChannel` are shared by the tabs of
 * one origin. A tab can be frozen (its channel goes silent both ways, as a hung page's would)
 * and sent page signals (`pagehide`, `pageshow`, visible). Everything runs on the test's fake
 * timers: messages are delivered in a macrotask, like a real channel's.
 */
import type { LocksLike, PageSignals, PortLike, SharedPlatform } from '../shared/platform.ts';

interface Waiter {
  steal: boolean;
  held(): Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  signal?: AbortSignal | undefined;
  /** Settles the holder's request with an abort: its lock was stolen. */
  stolen?: () => void;
}

const abortError = () => Object.assign(new Error('The lock request was aborted'), { name: 'AbortError' });

/** Web Locks (exclusive mode): a queue per name, `steal` and `signal` as the browser has them. */
function fakeLocks(): LocksLike & { holders(name: string): number } {
  const holders = new Map<string, Waiter>();
  const queues = new Map<string, Waiter[]>();
  const grant = (name: string) => {
    if (holders.has(name)) return;
    const next = queues.get(name)?.shift();
    if (!next) return;
    holders.set(name, next);
    let done = false;
    const end = (settle: () => void) => {
      if (done) return;
      done = true;
      if (holders.get(name) === next) holders.delete(name);
      settle();
      grant(name);
    };
    next.stolen = () => end(() => next.reject(abortError()));
    next.held().then(
      (v) => end(() => next.resolve(v)),
      (e) => end(() => next.reject(e)),
    );
  };
  return {
    request(name, options, held) {
      return new Promise((resolve, reject) => {
        if (options.signal?.aborted) return reject(abortError());
        const w: Waiter = { steal: !!options.steal, held, resolve, reject, signal: options.signal };
        const queue = queues.get(name) ?? [];
        queues.set(name, queue);
        if (w.steal) {
          holders.get(name)?.stolen?.();
          queue.unshift(w);
        } else queue.push(w);
        options.signal?.addEventListener('abort', () => {
          const i = queue.indexOf(w);
          if (i < 0) return; // granted already: the signal only cancels a wait
          queue.splice(i, 1);
          reject(abortError());
        });
        grant(name);
      });
    },
    holders: (name) => (holders.has(name) ? 1 : 0),
  };
}

export function fakeBrowser() {
  const locks = fakeLocks();
  const ports = new Set<{ name: string; tab: number; port: PortLike }>();
  const frozen = new Set<number>();
  const signals = new Map<number, PageSignals>();
  let tabs = 0;

  return {
    locks,
    /** A new tab's platform; `parts: false` leaves out locks and channels (an old browser). */
    tab(parts = true) {
      const tab = ++tabs;
      const platform: SharedPlatform = {
        locks: parts ? locks : undefined,
        channel: parts
          ? (name) => {
              const entry = {
                name,
                tab,
                port: {
                  onmessage: null,
                  postMessage(data: unknown) {
                    if (frozen.has(tab)) return;
                    const copy = structuredClone(data);
                    for (const other of ports) {
                      if (other === entry || other.name !== name) continue;
                      setTimeout(() => !frozen.has(other.tab) && ports.has(other) && other.port.onmessage?.({ data: copy }));
                    }
                  },
                  close: () => void ports.delete(entry),
                } as PortLike,
              };
              ports.add(entry);
              return entry.port;
            }
          : undefined,
        watch(s) {
          signals.set(tab, s);
          return () => signals.delete(tab);
        },
      };
      return {
        id: tab,
        platform,
        /** A hung or frozen page: nothing in, nothing out. */
        freeze: (on = true) => void (on ? frozen.add(tab) : frozen.delete(tab)),
        hide: () => signals.get(tab)?.hide(),
        show: () => signals.get(tab)?.show(),
        focus: () => signals.get(tab)?.focus(),
      };
    },
  };
}

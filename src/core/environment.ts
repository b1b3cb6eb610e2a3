/**
 * The environment adapter: the only code in the core that touches `window`, `document` or
 * `navigator`. Node and tests pass their own `Environment`.
 */

/**
 * An event handler property. Bivariant in its event (the trick React's types use), so
 * sockets whose handlers take richer events (`ws`'s `CloseEvent`, the DOM's) still fit.
 */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'] | null;

/** What the client needs from a WebSocket implementation (the browser's, or `ws` in Node). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: Handler<unknown>;
  onmessage: Handler<{ data: unknown }>;
  onclose: Handler<{ code: number; reason: string }>;
  onerror: Handler<unknown>;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** Signals from the page about the network and its own lifecycle. */
export interface EnvironmentSignals {
  /** The browser says the network is back. */
  online(): void;
  /** The browser says the network is gone. */
  offline(): void;
  /** The page became visible again, or was restored from the back/forward cache. */
  wake(): void;
  /** The page is being hidden or left (`visibilitychange` to hidden, `pagehide`): save what must survive. */
  hide?(): void;
}

/** The part of the Web Storage API the client uses. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface Environment {
  /** The WebSocket constructor, when the platform has one. */
  WebSocket?: WebSocketConstructor | undefined;
  /** Whether the platform believes it has a network. */
  isOnline(): boolean;
  /** Start delivering signals; returns the function that stops them. */
  watch(signals: EnvironmentSignals): () => void;
  /** The page's `sessionStorage` or `localStorage`, when there is one. */
  storage?(kind: 'session' | 'local'): StorageLike | undefined;
}

interface Target {
  addEventListener(type: string, fn: () => void): void;
  removeEventListener(type: string, fn: () => void): void;
}

/** The browser's environment; in a runtime without `window` it never signals and is always online. */
export function browserEnvironment(): Environment {
  const g = globalThis as {
    WebSocket?: WebSocketConstructor;
    window?: Target;
    document?: Target & { visibilityState?: string };
    navigator?: { onLine?: boolean };
    sessionStorage?: StorageLike;
    localStorage?: StorageLike;
  };
  return {
    WebSocket: g.WebSocket,
    isOnline: () => g.navigator?.onLine !== false,
    watch(s) {
      const w = g.window;
      const d = g.document;
      if (!w) return () => {};
      const hide = () => s.hide?.();
      const visibility = () => (d?.visibilityState === 'visible' ? s.wake() : hide());
      const listen = (how: 'addEventListener' | 'removeEventListener') => {
        w[how]('online', s.online);
        w[how]('offline', s.offline);
        w[how]('pageshow', s.wake);
        w[how]('pagehide', hide);
        d?.[how]('visibilitychange', visibility);
      };
      listen('addEventListener');
      return () => listen('removeEventListener');
    },
    // Reading the property can throw (storage disabled, an opaque origin): then there is none.
    storage(kind) {
      try {
        return g[`${kind}Storage`];
      } catch {
        return undefined;
      }
    },
  };
}

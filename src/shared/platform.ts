/**
 * The browser parts the shared connection stands on, and the only place in `src/shared` that
 * touches browser globals: Web Locks (who leads, and which tabs are alive), `BroadcastChannel`
 * (tabs talking), `SharedWorker` (a connection outside every tab) and the page lifecycle.
 * Tests pass their own.
 */

/** The part of `navigator.locks` used here. */
export interface LocksLike {
  request(name: string, options: { steal?: boolean; signal?: AbortSignal }, held: () => Promise<unknown>): Promise<unknown>;
}

/** A `BroadcastChannel` or a `MessagePort`: post to the other side(s), receive from them. */
export interface PortLike {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  close(): void;
}

/** The lock a tab holds while it lives (tab ids are random): whoever waits for it learns when the tab is gone. */
export const tabLock = (tab: string) => `tether:tab:${tab}`;

/** Page lifecycle signals the shared client acts on. */
export interface PageSignals {
  /** `pagehide`: the page is closing or going into the back/forward cache: give up the lead. */
  hide(): void;
  /** `pageshow` from the back/forward cache: come back as a follower. */
  show(): void;
  /** The page became visible: it is the best tab for one-tab listeners. */
  focus(): void;
}

export interface SharedPlatform {
  locks?: LocksLike | undefined;
  channel?: ((name: string) => PortLike) | undefined;
  /** Connect to the SharedWorker at `url` named `name` (one per name): its port. */
  sharedWorker?: ((url: string | URL, name: string) => PortLike) | undefined;
  /** Start delivering page signals; returns the function that stops them. */
  watch(signals: PageSignals): () => void;
  /** In a SharedWorker: receive the port of every tab that connects. */
  accept?(onPort: (port: PortLike) => void): void;
}

interface Target {
  addEventListener(type: string, fn: (event: { persisted?: boolean }) => void): void;
  removeEventListener(type: string, fn: (event: { persisted?: boolean }) => void): void;
}

/** The browser's (or a worker's) platform; each part is absent where the runtime lacks it. */
export function browserPlatform(): SharedPlatform {
  const g = globalThis as {
    navigator?: { locks?: LocksLike };
    BroadcastChannel?: new (name: string) => PortLike;
    SharedWorker?: new (url: string | URL, options: { name: string; type: 'module' }) => { port: PortLike & { start(): void } };
    window?: Target;
    document?: Target & { visibilityState?: string };
  };
  const { BroadcastChannel: Channel, SharedWorker: Worker } = g;
  return {
    locks: g.navigator?.locks,
    channel: Channel && ((name) => new Channel(name)),
    sharedWorker:
      Worker &&
      ((url, name) => {
        const { port } = new Worker(url, { name, type: 'module' });
        port.start();
        return port;
      }),
    watch(s) {
      const w = g.window;
      const d = g.document;
      if (!w) return () => {};
      const show = (e: { persisted?: boolean }) => e.persisted && s.show();
      const visible = () => d?.visibilityState === 'visible' && s.focus();
      const listen = (how: 'addEventListener' | 'removeEventListener') => {
        w[how]('pagehide', s.hide);
        w[how]('pageshow', show);
        d?.[how]('visibilitychange', visible);
      };
      listen('addEventListener');
      return () => listen('removeEventListener');
    },
  };
}

/** Inside a SharedWorker: the browser's platform, plus the ports of the tabs that connect. */
export function workerPlatform(): SharedPlatform {
  const g = globalThis as { onconnect?: (event: { ports: PortLike[] }) => void };
  return {
    ...browserPlatform(),
    accept(onPort) {
      g.onconnect = (e) => onPort(e.ports[0]!);
    },
  };
}

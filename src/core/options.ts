/**
 * Every option of `createClient`, with its default. Anything that touches the outside
 * world (socket, timers, clock, randomness, ids, page signals) can be injected, which is
 * what keeps the fake-timer tests honest.
 */
import type { BackoffOptions } from './backoff.ts';
import type { Contract } from './contract.ts';
import type { Environment, WebSocketConstructor } from './environment.ts';

/** A value, or a (possibly async) function producing it, evaluated on every connect. */
export type Lazy<T> = T | (() => T | Promise<T>);

/** The value of a `Lazy`, now. */
export const lazy = async <T>(v: Lazy<T>): Promise<T> => (typeof v === 'function' ? (v as () => T | Promise<T>)() : v);

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** What a call made while not connected does. */
export type OfflinePolicy = 'queue' | 'reject';

export interface ClientOptions<C extends Contract = Contract> {
  /** Gateway URL (`ws://` or `wss://`), or a function returning it, called on every connect. */
  url: Lazy<string>;
  /** JWT, or a function returning one, called on every connect and when the token is expiring. */
  token: Lazy<string>;
  /** Methods with params and result schemas: gives `client.api` and validates both directions. */
  contract?: C;
  /** Connect as soon as the client is created. @default true */
  autoConnect?: boolean;
  /** Default deadline of a call, counted from the call, including time in the outbox. @default 30000 */
  callTimeoutMs?: number;
  /** Default policy for calls made while not connected. @default 'queue' */
  offline?: OfflinePolicy;
  /** Most calls that may wait in the outbox; more reject with `OfflineError`. @default 1000 */
  outboxLimit?: number;
  /** Reconnect backoff. @default { initialMs: 500, factor: 2, maxMs: 30000 } */
  backoff?: Partial<BackoffOptions>;
  /** A connection that stays up this long resets the backoff. @default 10000 */
  stableAfterMs?: number;
  /**
   * Retries are spread uniformly over at least this window: from the first one after close code
   * 1012 (server restart), otherwise from the second (the first retry after a drop stays below
   * `backoff.initialMs`). Clients that lost the same gateway then come back spread out, not at once.
   * @default 5000
   */
  restartWindowMs?: number;
  /** Opening the socket plus authenticating must finish within this. @default 10000 */
  connectTimeoutMs?: number;
  /** Silence allowed beyond the gateway's heartbeat interval before the socket counts as dead. @default 10000 */
  heartbeatGraceMs?: number;
  /** How long a liveness probe (after wake-up or the page becoming visible) may take. @default 3000 */
  probeTimeoutMs?: number;
  /** A timer firing this much later than asked means the machine slept. @default 30000 */
  sleepJumpMs?: number;
  /**
   * Keep the positions of the user's stream, the broadcasts and joined rooms across page reloads,
   * in `sessionStorage` (this tab) or `localStorage` (the browser), keyed by gateway URL and
   * user: a reloaded page resumes from them, so nothing published meanwhile is missed.
   * @default undefined (not kept)
   */
  persist?: 'session' | 'local';
  /** Network and page signals. @default browserEnvironment() */
  environment?: Environment;
  /** WebSocket implementation, e.g. `ws` in Node. @default the environment's */
  WebSocket?: WebSocketConstructor;
  /** @default globalThis.setTimeout / clearTimeout */
  timers?: Timers;
  /** Wall clock in ms. @default Date.now */
  now?: () => number;
  /** Uniform random in [0, 1), for jitter. @default Math.random */
  random?: () => number;
  /** Call ids. @default nanoid() */
  generateId?: () => string;
}

export const defaults = {
  autoConnect: true,
  callTimeoutMs: 30_000,
  offline: 'queue' as OfflinePolicy,
  outboxLimit: 1000,
  stableAfterMs: 10_000,
  restartWindowMs: 5000,
  connectTimeoutMs: 10_000,
  heartbeatGraceMs: 10_000,
  probeTimeoutMs: 3000,
  sleepJumpMs: 30_000,
};
/** The platform's timers (wrapped: some runtimes insist on being called with their own `this`). */
export const platformTimers: Timers = { setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (h) => clearTimeout(h as number) };

/** Without them a client would connect to `…/undefined` and retry forever: say so at once. */
export function requireConnectionOptions(o: { url?: unknown; token?: unknown } | undefined, who: string) {
  if (!o?.url || !o.token) throw new TypeError(`${who}: \`url\` and \`token\` are required`);
}

export const defaultBackoff: BackoffOptions = { initialMs: 500, factor: 2, maxMs: 30_000 };

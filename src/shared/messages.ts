/**
 * What tabs and the hub (the one real client, in the leader tab or a SharedWorker) say to each
 * other over a `BroadcastChannel` or a SharedWorker port. Everything here must survive the
 * structured clone, so errors cross as plain objects and come back as Tether's error classes.
 * Keys are short: every byte of this file's users counts against the bundle budget.
 */
import type { ClientSnapshot } from '../core/client.ts';
import { AbortError, ClosedError, OfflineError, RpcError, TimeoutError } from '../core/errors.ts';

export type TabMessage =
  /** A tab is here (or came back, or a new hub appeared): `one` says it has one-tab listeners. */
  | { t: 'hi'; tab: string; one: boolean; seen: number }
  /** `ms`: what is left of the call's deadline. */
  | { t: 'call'; id: string; m: string; p: unknown; ms: number }
  | { t: 'join'; tab: string; r: string; since?: string | undefined; tok?: string | undefined }
  | { t: 'leave'; tab: string; r: string }
  /** The tab leaves (closed, hidden into the back/forward cache, switched user). */
  | { t: 'bye'; tab: string }
  /** `setToken` in some tab: every tab and the hub take it. */
  | { t: 'token'; v: string }
  | { t: 'do'; a: 'close' | 'connect' | 'reconnect' }
  /** Is the hub alive? Asked by a follower that has not heard from it lately. */
  | { t: 'probe' }
  /** A tab's answer to the hub's `ask` for a token (a SharedWorker cannot run the app's token function). */
  | { t: 'tok'; n: number; v: string };

export type HubMessage =
  /** The hub `hub` is alive; a new id means a new hub: resend what it does not know. */
  | { t: 'beat'; hub: string }
  | { t: 'snap'; s: ClientSnapshot }
  | { t: 'ret'; id: string; v?: unknown; e?: WireFailure | undefined }
  /** A client event; `one` is the tab that plays one-tab listeners for it. */
  | { t: 'ev'; k: string; e: unknown; one?: string | undefined }
  | { t: 'room'; r: string; k: 'message' | 'presence' | 'gap' | 'snap'; e: unknown }
  | { t: 'ask'; n: number; tab: string };

export type Message = TabMessage | HubMessage;

/** An error as it crosses. */
export interface WireFailure {
  name: string;
  message: string;
  code?: number;
  data?: unknown;
}

/** `e` is what a client rejects with or reports: an `Error`, often an `RpcError`. */
export const toWire = (e: unknown): WireFailure => {
  const { name, message, code, data } = e as RpcError;
  return { name, message, code, data };
};

const classes: Record<string, new (message: string) => Error> = { TimeoutError, AbortError, ClosedError, OfflineError };

export const fromWire = (w: WireFailure): Error =>
  w.name === 'RpcError' ? new RpcError(w.code!, w.message, w.data) : new (classes[w.name] ?? Error)(w.message);

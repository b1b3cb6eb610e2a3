/**
 * The call manager: every request waiting for an answer, and the outbox of those not yet
 * sent on the current connection. A call settles exactly once (the entry is deleted before
 * it settles) and always settles: its deadline timer starts when the call is made, so time
 * spent in the outbox counts. Calls whose answer was lost with a connection go back into
 * the outbox and are resent with the same id, which the gateway answers at most once.
 * Control requests (auth, probes, room joins) belong to one socket: never queued, never resent.
 */
import { ErrorCode } from '../protocol/codes.ts';
import { AbortError, OfflineError, RpcError, TimeoutError, toRpcError } from './errors.ts';
import type { Timers } from './options.ts';
import type { WireError } from '../protocol/server-frames.ts';

/** A call as it is sent: what another tab's hub needs to make it (`expires`: its deadline, epoch ms). */
export interface Call {
  id: string;
  method: string;
  params: unknown;
  expires: number;
}

interface Entry extends Call {
  control: boolean;
  /** Resent once already after a `TokenExpired` answer. */
  retried?: boolean;
  timer: unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  unlisten?: () => void;
}

export interface CallsOptions {
  timers: Timers;
  generateId(): string;
  now(): number;
  /** Send a call's frame on the current socket (or the call to the hub); false when there is none. */
  send(frame: string, call: Call): boolean;
  /** Most user calls in the outbox. */
  limit: number;
  /** The outbox size may have changed. */
  onQueue(size: number): void;
}

export interface RequestOptions {
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  control?: boolean;
  /** The call's id, when the caller has one already (a call resent through another tab). */
  id?: string | undefined;
}

/** The error of a call whose frame the gateway cannot take: it fails once, and is never resent. */
const tooLarge = () => new RpcError(ErrorCode.PayloadTooLarge, 'Payload too large');

export type Calls = ReturnType<typeof createCalls>;

export function createCalls(o: CallsOptions) {
  const entries = new Map<string, Entry>();
  const outbox = new Set<Entry>();
  let live = false;
  /** The gateway's frame limit (from its auth result). */
  let maxBytes = Infinity;
  /** The last frame sent: if the gateway closes with 1009, this is the one it could not take. */
  let last: Entry | undefined;

  const changed = () => o.onQueue(outbox.size);
  /** Send `e`'s frame; one over the gateway's limit fails at once instead (true: nothing left to send). */
  function transmit(e: Entry) {
    const frame = JSON.stringify({ jsonrpc: '2.0', id: e.id, method: e.method, params: e.params });
    // UTF-8 takes at least one byte and at most three per UTF-16 unit: count exactly only in between.
    if (frame.length > maxBytes || (frame.length * 3 > maxBytes && new TextEncoder().encode(frame).length > maxBytes)) {
      return settle(e, tooLarge()), true;
    }
    last = e;
    return o.send(frame, e);
  }

  function settle(e: Entry, error?: unknown, value?: unknown) {
    if (!entries.delete(e.id)) return;
    if (outbox.delete(e)) changed();
    o.timers.clearTimeout(e.timer);
    e.unlisten?.();
    if (error) e.reject(error);
    else e.resolve(value);
  }

  function flush() {
    for (const e of outbox) {
      if (!live || !transmit(e)) break;
      outbox.delete(e);
    }
    changed();
  }

  return {
    request(method: string, params: unknown, { timeoutMs, signal, control = false, id }: RequestOptions) {
      const aborted = () => new AbortError(`${method} aborted`);
      return new Promise<unknown>((resolve, reject) => {
        if (signal?.aborted) return reject(aborted());
        if (!control && !live && outbox.size >= o.limit) return reject(new OfflineError('Outbox full'));
        const e: Entry = {
          id: id ?? o.generateId(),
          method,
          params,
          control,
          expires: o.now() + timeoutMs,
          resolve,
          reject,
          // Timers overflow past 2^31-1 ms and would fire at once: longer deadlines mean "about 24 days".
          timer: o.timers.setTimeout(
            () => settle(e, new TimeoutError(`${method} timed out after ${timeoutMs} ms`)),
            Math.min(timeoutMs, 2 ** 31 - 1),
          ),
        };
        if (signal) {
          const abort = () => settle(e, aborted());
          signal.addEventListener('abort', abort);
          e.unlisten = () => signal.removeEventListener('abort', abort);
        }
        entries.set(e.id, e);
        if (control) {
          if (!transmit(e)) settle(e, new OfflineError('Not connected'));
        } else if (!live || !transmit(e)) {
          outbox.add(e);
          changed();
        }
      });
    },

    /**
     * Settle the call a result or error frame answers (or a hub, with an error of any class);
     * unknown ids (answers after a deadline) are ignored.
     */
    answer(id: unknown, error: WireError | Error | undefined, result?: unknown) {
      const e = entries.get(String(id));
      if (e) settle(e, error && (error instanceof Error ? error : toRpcError(error)), result);
    },

    /** Put a call refused for an expired token back in the outbox, once. */
    requeue(id: unknown): boolean {
      const e = entries.get(String(id));
      if (!e || e.control || e.retried) return false;
      e.retried = true;
      outbox.add(e);
      changed();
      return true;
    },

    /** The connection is authenticated (or lost): send the outbox in call order. */
    setLive(value: boolean, frameLimit = Infinity) {
      live = value;
      maxBytes = frameLimit;
      if (live) flush();
    },
    /** The gateway closed with 1009: the last frame sent was too large. It fails, and is not resent. */
    refuseLast() {
      if (last) settle(last, tooLarge());
    },
    flush,

    /** The socket is gone: control requests fail, user calls wait to be resent. */
    drop(error: Error) {
      live = false;
      for (const e of entries.values()) {
        if (e.control) settle(e, error);
        else outbox.add(e);
      }
      changed();
    },

    /** Reject every call, queued or in flight. */
    failAll(error: Error) {
      for (const e of entries.values()) settle(e, error);
    },

    stats: () => ({ pending: entries.size, queued: outbox.size }),
  };
}

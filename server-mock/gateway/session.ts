/**
 * One client connection, against a small socket interface so the gateway's logic runs
 * without a port in tests. The session owns what is per connection: who it is, its rooms,
 * its rate limit, whether it answered the last ping, and the replay buffers that keep
 * events in offset order while history is being sent.
 */
import { compareOffsets } from '../../src/protocol/offsets.ts';
import type { Id } from '../../src/protocol/decode.ts';
import { createRateLimit } from './rate-limit.ts';

/** What the gateway needs from a transport (a `ws` socket, or a test double). */
export interface SessionSocket {
  send(data: string): void;
  close(code: number, reason: string): void;
  /** Drop the connection without a closing handshake (dead peers). */
  terminate(): void;
  /** Bytes queued but not yet sent: a slow consumer keeps this growing. */
  readonly bufferedAmount: number;
}

export interface SessionLimits {
  callsPerSecond: number;
  maxBufferedBytes: number;
}

/** What a pushed event carries at least: its position in its stream. */
export type Pushed = { offset: string };

export class Session {
  user: string | undefined;
  /** Rooms this connection has joined. */
  readonly rooms = new Set<string>();
  /** Answered (or sent anything) since the last heartbeat sweep. */
  alive = true;
  closed = false;
  /** Calls of this connection still waiting for a worker. */
  pending = 0;
  readonly limit: ReturnType<typeof createRateLimit>;
  /**
   * The one timer tied to this connection: the auth deadline, then the token's "expiring"
   * notice, then its expiry. One at a time, since each is set when the one before it ends;
   * a slot instead of a collection keeps an idle connection small. Cleared on close.
   */
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Streams being replayed: live events wait here so nothing overtakes the history. Made on first replay. */
  private replaying: Map<string, { method: string; params: Pushed }[]> | undefined;

  constructor(
    readonly id: string,
    private readonly socket: SessionSocket,
    private readonly limits: SessionLimits,
    private readonly onSlow: (session: Session) => void,
  ) {
    this.limit = createRateLimit(limits.callsPerSecond);
  }

  send(frame: object | string): void {
    if (this.closed) return;
    if (this.socket.bufferedAmount > this.limits.maxBufferedBytes) return this.onSlow(this);
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }
  result(id: Id, result: unknown) {
    this.send({ jsonrpc: '2.0', id, result });
  }
  error(id: Id | null, code: number, message: string, data?: unknown) {
    this.send({ jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } });
  }
  notify(method: string, params?: unknown) {
    this.send(params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params });
  }

  /**
   * An event of stream `key`: held back while that stream is replaying. `frame` gives the
   * frame's text, made once for all the sessions an event fans out to (serializing it per
   * session was a quarter of a broadcast's cost).
   */
  push(key: string, method: string, params: Pushed, frame?: () => string) {
    const held = this.replaying?.get(key);
    if (held) held.push({ method, params });
    else if (frame) this.send(frame());
    else this.notify(method, params);
  }

  /** Replay `events` of stream `key`, then release what arrived live meanwhile, dropping duplicates. */
  async replay<P extends { events: Pushed[] }>(key: string, method: string, load: () => Promise<P>, since?: string): Promise<P> {
    (this.replaying ??= new Map()).set(key, []);
    let last = since;
    try {
      const page = await load();
      for (const e of page.events) {
        this.notify(method, e);
        last = e.offset;
      }
      return page;
    } finally {
      const held = this.replaying?.get(key) ?? [];
      this.replaying?.delete(key);
      if (this.replaying?.size === 0) this.replaying = undefined;
      for (const h of held) {
        if (last && compareOffsets(h.params.offset, last) <= 0) continue;
        this.notify(h.method, h.params);
        last = h.params.offset;
      }
    }
  }

  close(code: number, reason: string) {
    if (this.closed) return;
    this.closed = true;
    this.clearTimers();
    this.socket.close(code, reason);
  }
  terminate() {
    this.closed = true;
    this.clearTimers();
    this.socket.terminate();
  }
  /** Run `fn` after `ms`, replacing the timer set before (see `timer`). */
  later(ms: number, fn: () => void) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      fn();
    }, ms);
  }
  clearTimers() {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

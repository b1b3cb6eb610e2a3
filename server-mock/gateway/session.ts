/**
 * One client connection, against a small socket interface so the gateway's logic runs
 * without a port in tests. The session owns what is per connection: who it is, its rooms,
 * its rate limit, whether it answered the last ping, and the replays in progress: while a
 * stream is replayed its live events wait here, so nothing overtakes the history, and the
 * replay itself goes out at the pace the client reads it.
 */
import type { JWTPayload } from 'jose';
import { compareOffsets, ErrorCode, type Id } from 'tether-rpc/protocol';
import { createRateLimit } from './rate-limit.ts';

/** What the gateway needs from a transport (a `ws` socket, or a test double). */
export interface SessionSocket {
  send(data: string): void;
  close(code: number, reason: string): void;
  /** Drop the connection without a closing handshake (dead peers). */
  terminate(): void;
  /** Bytes queued but not yet sent: a slow consumer keeps this growing. */
  readonly bufferedAmount: number;
  /** Resolves when the queued bytes may have gone out (`drain`); polled when absent. */
  drained?(): Promise<void>;
}

export interface SessionLimits {
  callsPerSecond: number;
  maxBufferedBytes: number;
  /**
   * How long a replay may wait for the socket to drain before its client counts as a slow
   * consumer. A client reading at any usual pace drains far sooner.
   */
  replayStallMs: number;
}

/** What the gateway remembers of a connection's current token, to warn before it expires. */
export interface TokenState {
  exp: number | undefined;
  iat: number | undefined;
  verifiedAt: number;
  noticeSent: boolean;
  lastNoticeAt: number | undefined;
}

/** What a pushed event carries at least: its position in its stream. */
export type Pushed = { offset: string };

/** One frame of a replay: the event's offset and the frame's text. */
export interface ReplayFrame {
  offset: string;
  text: string;
}

export class Session {
  user: string | undefined;
  /** An `auth` frame is being verified: a second one is refused (one identity per socket). */
  authenticating = false;
  /** Frames that came before the `auth` frame. */
  preAuthFrames = 0;
  /** The verified claims of its current token (the room policy reads its `rooms` claim). */
  claims: JWTPayload | undefined;
  /** Its current token's timing: see `token-timing.ts`. */
  token: TokenState | undefined;
  /** Rooms this connection has joined. */
  readonly rooms = new Set<string>();
  /** Answered (or sent anything) since the last heartbeat. */
  alive = true;
  closed = false;
  /** Calls of this connection still waiting for a worker. */
  pending = 0;
  /** Its place on the heartbeat wheel (see `heartbeats.ts`). */
  slot = -1;
  readonly limit: ReturnType<typeof createRateLimit>;
  /**
   * The one timer tied to this connection: the auth deadline, then the token's "expiring"
   * notice, then its expiry. One at a time, since each is set when the one before it ends;
   * a slot instead of a collection keeps an idle connection small. Cleared on close.
   */
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Streams being replayed: their live events wait here. Made on first replay. */
  private replaying: Map<string, { method: string; params: Pushed }[]> | undefined;

  constructor(
    readonly id: string,
    /** The peer's address, for the per-address limit on sockets that have not authenticated. */
    readonly address: string,
    private readonly socket: SessionSocket,
    private readonly limits: SessionLimits,
    private readonly onSlow: (session: Session) => void,
  ) {
    this.limit = createRateLimit(limits.callsPerSecond);
  }

  send(frame: object | string): void {
    if (this.closed) return;
    // A replay fills the buffer up to half the limit on purpose and waits for it to drain, so
    // frames sent beside it (answers, pings) get room above that before the client counts as slow.
    const limit = this.replaying ? 2 * this.limits.maxBufferedBytes : this.limits.maxBufferedBytes;
    if (this.socket.bufferedAmount > limit) return this.onSlow(this);
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }
  result(id: Id, result: unknown) {
    let text: string;
    try {
      text = JSON.stringify({ jsonrpc: '2.0', id, result });
    } catch {
      // A result JSON cannot carry (a BigInt, a cycle) reaches no client, on any broker.
      return this.error(id, ErrorCode.InternalError, 'Reply is not JSON');
    }
    this.send(text);
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

  /** From now until `replay(key, …)` ends, live events of stream `key` wait (holding twice keeps what waits). */
  hold(key: string) {
    const replaying = (this.replaying ??= new Map());
    if (!replaying.has(key)) replaying.set(key, []);
  }

  /**
   * Send `frames` of stream `key` at the pace the socket drains, then what arrived live
   * meanwhile, dropping what is not after `from` or the last frame replayed; then the stream
   * is live again. A client that stops reading for `replayStallMs` is a slow consumer.
   */
  async replay(key: string, frames: readonly ReplayFrame[], from: string | undefined): Promise<void> {
    let last = from;
    try {
      const high = this.limits.maxBufferedBytes / 2;
      for (const f of frames) {
        if (this.closed) return;
        if (this.socket.bufferedAmount > high && !(await this.drain(high / 2))) return this.onSlow(this);
        if (this.closed) return;
        this.socket.send(f.text);
        last = f.offset;
      }
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

  /** Wait until at most `low` bytes are queued; false when that took longer than `replayStallMs`. */
  private async drain(low: number): Promise<boolean> {
    const end = Date.now() + this.limits.replayStallMs;
    while (this.socket.bufferedAmount > low && !this.closed) {
      const left = end - Date.now();
      if (left <= 0) return false;
      const wait = Math.min(left, 100);
      await Promise.race([this.socket.drained?.(), new Promise((r) => setTimeout(r, this.socket.drained ? wait : 10))]);
    }
    return true;
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

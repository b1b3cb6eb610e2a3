/**
 * A raw protocol connection for the conformance suite: it sends any frame, however wrong, and
 * checks every frame it receives against the protocol's schemas, so a gateway (or a fake of
 * one) is judged by what it puts on the wire, not by what a forgiving client makes of it.
 * It answers `ping` with `pong`, as every client must.
 */
import { decodeServerFrame } from '../../protocol/decode-server.ts';

/** The part of the WebSocket API the peer uses: the browser's, msw's interception of it and `ws`'s all have it. */
export interface SocketLike {
  readonly protocol: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: any) => void): void;
}
/** `new WebSocket(url, protocols)`, in whatever environment the target lives. */
export type OpenSocket = (url: string, protocols?: string | string[]) => SocketLike;

// Frames are read loosely (`any` fields): every one was already checked against the schemas.
export type Json = Record<string, any>;
export interface Closed {
  code: number;
  reason: string;
  /** Whether the upgrade was accepted before the close. */
  opened: boolean;
}

/** `<epoch>:<ms>-<seq>`: what docs/protocol.md promises, stricter than the schema (which admits old epoch-less offsets). */
export const OFFSET = /^[\w-]{1,32}:\d{1,16}-\d{1,16}$/;
const WITH_OFFSET = new Set(['notification', 'broadcast', 'room.message', 'gap']);
const DEFAULT_WAIT_MS = 2000;

export interface Peer {
  /** The negotiated subprotocol, once open. */
  readonly protocol: string;
  /** Every frame received, pings included, in arrival order. */
  readonly frames: Json[];
  /** Why received frames break the protocol; the suite fails a test that leaves any. */
  readonly problems: string[];
  readonly opened: Promise<boolean>;
  readonly closed: Promise<Closed>;
  /** How the gateway closed the socket; fails if it is still open after `ms`. */
  closedWithin(ms?: number): Promise<Closed>;
  isClosed(): boolean;
  /** Send an object as JSON, or a string as is. */
  send(frame: object | string): void;
  /** The next frame that is not a `ping`, in order: for what must come before what. */
  next(ms?: number): Promise<Json>;
  /** The first frame (read by `next` or not) that matches. */
  find(match: (f: Json) => boolean, ms?: number): Promise<Json>;
  /** Wait until `check` holds. */
  until(check: () => boolean, what: string, ms?: number): Promise<void>;
  /** Send a request and wait for the frame that answers it (its id). */
  request(method: string, params?: unknown, id?: string | number): Promise<Json>;
  /** Frames of a notification method, in order. */
  of(method: string): Json[];
  close(): void;
}

let ids = 0;

export function connectPeer(open: OpenSocket, url: string, protocols: string | string[] | undefined): Peer {
  const socket = protocols === undefined ? open(url) : open(url, protocols);
  const frames: Json[] = [];
  const problems: string[] = [];
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  let read = 0;
  let wasOpen = false;
  let closedWith: Closed | undefined;

  const opened = new Promise<boolean>((resolve) => {
    socket.addEventListener('open', () => {
      wasOpen = true;
      resolve(true);
    });
    socket.addEventListener('close', () => resolve(false));
  });
  const closed = new Promise<Closed>((resolve) => {
    socket.addEventListener('close', (e: { code: number; reason: string }) => {
      closedWith = { code: e.code, reason: String(e.reason ?? ''), opened: wasOpen };
      resolve(closedWith);
      wake();
    });
  });
  // Without a listener, `ws` would throw a refused handshake out of the test.
  socket.addEventListener('error', () => {});

  socket.addEventListener('message', (e: { data: unknown }) => {
    if (typeof e.data !== 'string') {
      problems.push('a binary frame: the protocol has text frames only');
      return wake();
    }
    const decoded = decodeServerFrame(e.data);
    if (!decoded.ok) problems.push(`a frame the protocol schemas refuse (${decoded.error.code} ${decoded.error.message}): ${e.data}`);
    else if (decoded.frame.kind === 'call') problems.push(`a request from the gateway: ${e.data}`);
    let frame: Json;
    try {
      frame = JSON.parse(e.data) as Json;
    } catch {
      return wake();
    }
    if (WITH_OFFSET.has(frame.method) && !OFFSET.test(String(frame.params?.offset))) {
      problems.push(`an offset that is not <epoch>:<ms>-<seq>: ${e.data}`);
    }
    frames.push(frame);
    if (frame.method === 'ping') send({ jsonrpc: '2.0', method: 'pong' });
    wake();
  });

  function send(frame: object | string) {
    if (closedWith) return;
    socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Resolve with `get()`'s value once it is defined; fail after `ms` or once the socket closed without it. */
  function wait<T>(get: () => T | undefined, what: string, ms: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const v = get();
        if (v !== undefined) return done(() => resolve(v));
        if (closedWith) done(() => reject(new Error(`closed (${closedWith!.code} ${closedWith!.reason}) before ${what}; received ${show()}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`no ${what} within ${ms} ms; received ${show()}`))), ms);
      const done = (then: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        then();
      };
      waiters.add(check);
      check();
    });
  }
  const show = () => JSON.stringify(frames.filter((f) => f.method !== 'ping')).slice(0, 1500);

  return {
    get protocol() {
      return socket.protocol;
    },
    frames,
    problems,
    opened,
    closed,
    closedWithin: (ms = DEFAULT_WAIT_MS) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`still open after ${ms} ms; received ${show()}`)), ms);
        void closed.then((c) => (clearTimeout(timer), resolve(c)));
      }),
    isClosed: () => closedWith !== undefined,
    send,
    next: (ms = DEFAULT_WAIT_MS) =>
      wait(
        () => {
          while (read < frames.length && frames[read]!.method === 'ping') read++;
          return read < frames.length ? frames[read++] : undefined;
        },
        'next frame',
        ms,
      ),
    find: (match, ms = DEFAULT_WAIT_MS) => wait(() => frames.find(match), 'matching frame', ms),
    until: (check, what, ms = DEFAULT_WAIT_MS) => wait(() => (check() ? true : undefined), what, ms).then(() => undefined),
    request(method, params, id = `r${++ids}`) {
      send(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
      return wait(() => frames.find((f) => f.id === id && f.method === undefined), `answer to ${method} (id ${JSON.stringify(id)})`, DEFAULT_WAIT_MS);
    },
    of: (method) => frames.filter((f) => f.method === method),
    close: () => socket.close(),
  };
}

/**
 * A scripted gateway for the core's unit tests, built on msw's WebSocket interception
 * (`ws.link`), so the client talks to a socket it cannot tell from a real one while the
 * test controls the clock. It speaks protocol v1 as the real gateway does, for what the
 * client's tests need: subprotocol `tether.v1` (else 4000), `auth` first (else 4008), one
 * identity per socket, built-in rooms and presence, a method table, notifications with
 * `<epoch>:<ms>-<seq>` offsets, and replay after the answer that says it is coming.
 *
 * It is held to the protocol conformance suite (`src/testing/conformance/suite.ts`), which
 * also records what it leaves out (rooms resumed in `auth`, `gap` and `token.expiring` that
 * it never sends by itself: tests script those). After changing it, run
 * `npx vitest run conformance/msw-fake`.
 *
 * How to extend: register a method with `gw.method(name, handler)` (throw `{ code, message }`
 * to answer an error, return `NO_ANSWER` to stay silent); push frames with `conn.send()`;
 * every frame a client sent is in `conn.received`, so tests assert on the wire itself.
 */
import { ws } from 'msw';
import type { SetupServer } from 'msw/node';

type Json = Record<string, unknown>;
export interface Frame {
  jsonrpc?: unknown;
  id?: string | number | null;
  method?: string;
  params?: Json;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export const NO_ANSWER = Symbol('no answer');
export type Handler = (params: Json | undefined, conn: Conn) => unknown;

export interface Conn {
  user?: string;
  /** The subprotocol the client asked for. */
  protocols: string;
  received: Frame[];
  open: boolean;
  /** The code the client closed with, once it did. */
  closedWith?: number;
  send(frame: Json): void;
  close(code?: number, reason?: string): void;
}

export interface FakeGatewayOptions {
  url?: string;
  heartbeatMs?: number;
  /**
   * Ping every `heartbeatMs`, as a gateway does. Off by default: the client's tests send
   * `ping` themselves (`conn.send`), and some need the socket silent.
   */
  pings?: boolean;
  /** Token → user id; undefined refuses with close 4001. */
  authorize?(token: string): string | undefined;
  /** Rooms a user may not join. */
  forbidden?: string[];
  /** The epoch of every stream's offsets: a fake with another epoch is a restarted one. @default 'fake' */
  epoch?: string;
  /** Close with 1009 on a larger frame, as the real gateway does. @default unlimited */
  maxFrameBytes?: number;
  /** Say `maxFrameBytes` in the auth result (an older gateway does not). @default true */
  advertiseFrameLimit?: boolean;
}

interface Stream {
  seq: number;
  history: Json[];
  /** Events before this seq were trimmed: a resume from before it is not recoverable. */
  trimmedBefore: number;
}

const SUBPROTOCOL = 'tether.v1';

export function fakeGateway(server: SetupServer, options: FakeGatewayOptions = {}) {
  const url = options.url ?? 'ws://gateway.test/ws';
  const heartbeatMs = options.heartbeatMs ?? 25_000;
  const epoch = options.epoch ?? 'fake';
  const link = ws.link(url);
  const conns: Conn[] = [];
  const methods = new Map<string, Handler>();
  const streams = new Map<string, Stream>();
  let silent = false;
  let refuseAll = false;

  const stream = (key: string) => {
    let s = streams.get(key);
    if (!s) streams.set(key, (s = { seq: 0, history: [], trimmedBefore: 0 }));
    return s;
  };
  const offset = (seq: number) => `${epoch}:1-${seq}`;
  /** The seq of an offset of this fake's epoch; undefined for any other offset. */
  const seqOf = (o: unknown) => {
    const m = typeof o === 'string' ? /^([\w-]+):1-(\d+)$/.exec(o) : null;
    return m && m[1] === epoch ? Number(m[2]) : undefined;
  };
  /** Whether every event after `since` can be replayed: of this epoch, not trimmed, not beyond the tip. */
  const recoverable = (key: string, since: unknown) => {
    if (since === undefined) return true;
    const s = stream(key);
    const seq = seqOf(since);
    return seq !== undefined && seq >= s.trimmedBefore - 1 && seq <= s.seq;
  };
  const replay = (conn: Conn, key: string, method: string, since: unknown) => {
    const from = seqOf(since);
    if (from === undefined) return;
    for (const params of stream(key).history) if (seqOf(params.offset)! > from) conn.send({ jsonrpc: '2.0', method, params });
  };
  const publish = (key: string, method: string, params: Json, to: (c: Conn) => boolean) => {
    const s = stream(key);
    const full = { ...params, offset: offset(++s.seq), ts: Date.now() };
    s.history.push(full);
    for (const c of conns) if (c.open && c.user && to(c)) c.send({ jsonrpc: '2.0', method, params: full });
    return full;
  };
  const members = new Map<string, Set<Conn>>();
  const usersIn = (room: string) => [...new Set([...(members.get(room) ?? [])].map((c) => c.user!))];
  /** Tell the room's other members, on a user's first join and last leave. */
  const announce = (room: string, change: 'joined' | 'left', user: string, except: Conn) => {
    for (const c of members.get(room) ?? []) if (c !== except) c.send({ jsonrpc: '2.0', method: 'presence', params: { room, [change]: user } });
  };
  const leave = (room: string, conn: Conn) => {
    if (!members.get(room)?.delete(conn)) return;
    if (!usersIn(room).includes(conn.user!)) announce(room, 'left', conn.user!, conn);
  };

  /** `rooms.join`: the answer (saying whether the replay is whole), who is there, then the replay. */
  function join(conn: Conn, p: Json | undefined, answer: (body: Json) => void) {
    const room = String(p?.room);
    if (options.forbidden?.includes(room)) return answer({ error: { code: -32002, message: 'Forbidden' } });
    const key = `room:${room}`;
    const recovered = recoverable(key, p?.since);
    const set = members.get(room) ?? new Set();
    members.set(room, set);
    const first = !usersIn(room).includes(conn.user!);
    set.add(conn);
    answer({ result: { room, offset: offset(stream(key).seq), recovered } });
    for (const user of usersIn(room)) conn.send({ jsonrpc: '2.0', method: 'presence', params: { room, joined: user } });
    if (recovered) replay(conn, key, 'room.message', p?.since);
    if (first) announce(room, 'joined', conn.user!, conn);
  }

  /** `auth`: the answer first (with what could be recovered), then the replays. */
  function authenticate(conn: Conn, p: Json | undefined, answer: (body: Json) => void) {
    const token = p?.token;
    const user = typeof token !== 'string' || token === '' ? undefined : options.authorize ? options.authorize(token) : 'u1';
    if (!user) return conn.close(4001, 'Invalid token');
    conn.user = user;
    if (options.pings) {
      const pinger = setInterval(() => (conn.open ? conn.send({ jsonrpc: '2.0', method: 'ping' }) : clearInterval(pinger)), heartbeatMs);
    }
    const resume = (p?.resume ?? {}) as Json;
    const mine = `user:${user}`;
    const recovered = { user: recoverable(mine, resume.user), broadcast: recoverable('broadcast', resume.broadcast) };
    answer({
      result: {
        user,
        session: `s${conns.length}`,
        heartbeatMs,
        server: { name: 'fake', version: '0' },
        recovered: { ...recovered, rooms: {} },
        ...(options.maxFrameBytes && options.advertiseFrameLimit !== false ? { maxFrameBytes: options.maxFrameBytes } : {}),
        offsets: { user: offset(stream(mine).seq), broadcast: offset(stream('broadcast').seq) },
      },
    });
    if (recovered.user) replay(conn, mine, 'notification', resume.user);
    if (recovered.broadcast) replay(conn, 'broadcast', 'broadcast', resume.broadcast);
  }

  const builtins: Record<string, Handler> = {
    'auth.refresh': (p, conn) => {
      const token = p?.token;
      const user = typeof token !== 'string' || token === '' ? undefined : options.authorize ? options.authorize(token) : 'u1';
      if (!user || user !== conn.user) throw { code: -32001, message: 'Invalid token' };
      return { exp: Math.floor(Date.now() / 1000) + 3600 };
    },
    'system.ping': () => ({ pong: true }),
    'rooms.leave': (p, conn) => {
      leave(String(p?.room), conn);
      return { room: p?.room };
    },
    'presence.get': (p) => ({ room: p?.room, members: usersIn(String(p?.room)) }),
    'rooms.publish': (p, conn) => {
      const room = String(p?.room);
      if (options.forbidden?.includes(room)) throw { code: -32002, message: 'Forbidden' };
      // The sender is who the socket authenticated as, whatever the frame says.
      const sent = publish(`room:${room}`, 'room.message', { room, event: p?.event, data: p?.data, from: conn.user }, (c) => !!members.get(room)?.has(c));
      return { offset: sent.offset };
    },
  };

  /** Answer one frame the way docs/protocol.md says, or the way a test scripted its method. */
  async function handle(conn: Conn, raw: string) {
    if (options.maxFrameBytes && new TextEncoder().encode(raw).length > options.maxFrameBytes) return conn.close(1009, 'Message too big');
    let frame: Frame;
    try {
      frame = JSON.parse(raw) as Frame;
    } catch {
      if (!conn.user) return conn.close(4008, 'auth must be the first frame');
      return conn.send({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
    }
    const isObject = typeof frame === 'object' && frame !== null && !Array.isArray(frame);
    if (isObject) conn.received.push(frame);
    if (silent) return;
    const { id = null, method } = isObject ? frame : ({} as Frame);
    const validId = id === null || typeof id === 'string' || typeof id === 'number';
    if (!conn.user && method !== 'auth') return conn.close(4008, 'auth must be the first frame');
    if (!isObject || frame.jsonrpc !== '2.0' || !validId || typeof method !== 'string') {
      return conn.send({ jsonrpc: '2.0', id: validId ? id : null, error: { code: -32600, message: 'Invalid Request' } });
    }
    if (id === null) return; // a notification (`pong`): nothing to answer
    const answer = (body: Json) => conn.send({ jsonrpc: '2.0', id, ...body });
    if (method === 'auth') {
      if (conn.user) return answer({ error: { code: -32600, message: 'Invalid Request: this socket is authenticated already' } });
      return authenticate(conn, frame.params, answer);
    }
    const handler = methods.get(method) ?? builtins[method];
    if (!handler && method === 'rooms.join') return join(conn, frame.params, answer);
    if (!handler) return answer({ error: { code: -32601, message: `Method not found: ${method}` } });
    try {
      const result = await handler(frame.params, conn);
      if (result !== NO_ANSWER) answer({ result: result ?? null });
    } catch (error) {
      answer({ error: error as Json });
    }
  }

  server.use(
    link.addEventListener('connection', ({ client, info }) => {
      const offered = info.protocols === undefined ? [] : ([] as string[]).concat(info.protocols);
      const conn: Conn = {
        protocols: offered.join(', '),
        received: [],
        open: true,
        send: (frame) => conn.open && client.send(JSON.stringify(frame)),
        close(code, reason) {
          conn.open = false;
          client.close(code, reason);
        },
      };
      conns.push(conn);
      if (refuseAll) return conn.close(1013, 'try later');
      // A gateway accepts the upgrade, then says it does not speak the client's version: msw
      // opens the socket once this listener returns, so the close waits a task.
      if (!offered.includes(SUBPROTOCOL)) return void setTimeout(() => conn.close(4000, 'Unsupported protocol'));
      client.addEventListener('close', (event) => {
        if (conn.open) conn.closedWith = event.code;
        conn.open = false;
        for (const room of members.keys()) leave(room, conn);
      });
      client.addEventListener('message', (event) => void handle(conn, String(event.data)));
    }),
  );

  return {
    url,
    /** Every connection ever made, oldest first. */
    conns,
    live: () => conns.filter((c) => c.open),
    /** The newest connection. */
    get last(): Conn {
      return conns[conns.length - 1]!;
    },
    method(name: string, handler: Handler) {
      methods.set(name, handler);
    },
    /** Stop answering anything (a half-open socket). */
    silence(on = true) {
      silent = on;
    },
    /** Close every new connection with 1013 at once. */
    refuse(on = true) {
      refuseAll = on;
    },
    closeAll(code = 1000, reason = '') {
      for (const c of conns) if (c.open) c.close(code, reason);
    },
    notify: (user: string, type: string, data?: unknown) =>
      publish(`user:${user}`, 'notification', { type, data }, (c) => c.user === user),
    broadcast: (type: string, data?: unknown) => publish('broadcast', 'broadcast', { type, data }, () => true),
    toRoom: (room: string, event: string, data?: unknown) =>
      publish(`room:${room}`, 'room.message', { room, event, data }, (c) => !!members.get(room)?.has(c)),
    /** Forget history before now, so resumes from earlier offsets cannot be recovered. */
    trim(key: string) {
      const s = stream(key);
      s.history = [];
      s.trimmedBefore = s.seq + 1;
    },
    members: (room: string) => [...(members.get(room) ?? [])],
    /** Frames of `method` every connection received from the client. */
    sent: (method: string) => conns.flatMap((c) => c.received.filter((f) => f.method === method)),
  };
}

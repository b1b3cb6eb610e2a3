/**
 * A scripted gateway for the core's unit tests, built on msw's WebSocket interception
 * (`ws.link`), so the client talks to a socket it cannot tell from a real one while the
 * test controls the clock. It speaks just enough of protocol v1: auth, built-in rooms and
 * presence, a method table, notifications with offsets and replay.
 *
 * How to extend: register a method with `gw.method(name, handler)` (throw `{ code, message }`
 * to answer an error, return `NO_ANSWER` to stay silent); push frames with `conn.send()`;
 * every frame a client sent is in `conn.received`, so tests assert on the wire itself.
 */
import { ws } from 'msw';
import type { SetupServer } from 'msw/node';

type Json = Record<string, unknown>;
export interface Frame {
  id?: string;
  method?: string;
  params?: Json;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export const NO_ANSWER = Symbol('no answer');
export type Handler = (params: Json | undefined, conn: Conn) => unknown;

export interface Conn {
  user?: string;
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
  /** Token → user id; undefined refuses with close 4001. */
  authorize?(token: string): string | undefined;
  /** Rooms a user may not join. */
  forbidden?: string[];
}

interface Stream {
  seq: number;
  history: Json[];
  /** Events before this seq were trimmed: a resume from before it is not recoverable. */
  trimmedBefore: number;
}

export function fakeGateway(server: SetupServer, options: FakeGatewayOptions = {}) {
  const url = options.url ?? 'ws://gateway.test/ws';
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
  const offset = (seq: number) => `1-${seq}`;
  const seqOf = (o: string) => Number(o.split('-')[1]);
  /** Replay events after `since`; false when the history no longer reaches back that far. */
  const replay = (conn: Conn, key: string, method: string, since: string | undefined) => {
    const s = stream(key);
    if (since === undefined) return true;
    if (seqOf(since) < s.trimmedBefore - 1) return false;
    for (const params of s.history) if (seqOf(params.offset as string) > seqOf(since)) conn.send({ jsonrpc: '2.0', method, params });
    return true;
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

  const builtins: Record<string, Handler> = {
    'auth.refresh': (p) => {
      if (!options.authorize?.(String(p?.token)) && options.authorize) throw { code: -32001, message: 'Invalid token' };
      return { exp: Math.floor(Date.now() / 1000) + 3600 };
    },
    'system.ping': () => ({ pong: true }),
    'rooms.join': (p, conn) => {
      const room = String(p?.room);
      if (options.forbidden?.includes(room)) throw { code: -32002, message: 'Forbidden' };
      const set = members.get(room) ?? new Set();
      members.set(room, set);
      const recovered = replay(conn, `room:${room}`, 'room.message', p?.since as string | undefined);
      set.add(conn);
      // Who is there, as presence frames right after the answer.
      setTimeout(() => {
        for (const user of usersIn(room)) conn.send({ jsonrpc: '2.0', method: 'presence', params: { room, joined: user } });
      });
      return { room, offset: offset(stream(`room:${room}`).seq), recovered };
    },
    'rooms.leave': (p, conn) => {
      members.get(String(p?.room))?.delete(conn);
      return { room: p?.room };
    },
    'presence.get': (p) => ({ room: p?.room, members: usersIn(String(p?.room)) }),
  };

  server.use(
    link.addEventListener('connection', ({ client }) => {
      const conn: Conn = {
        protocols: '',
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
      client.addEventListener('close', (event) => {
        if (conn.open) conn.closedWith = event.code;
        conn.open = false;
        for (const set of members.values()) set.delete(conn);
      });
      client.addEventListener('message', async (event) => {
        const frame = JSON.parse(String(event.data)) as Frame;
        conn.received.push(frame);
        if (silent || frame.id === undefined || !frame.method) return;
        const answer = (body: Json) => conn.send({ jsonrpc: '2.0', id: frame.id, ...body });
        if (frame.method === 'auth') {
          const user = options.authorize ? options.authorize(String(frame.params?.token)) : 'u1';
          if (!user) return conn.close(4001, 'Invalid token');
          conn.user = user;
          const resume = (frame.params?.resume ?? {}) as Json;
          const recovered = {
            user: replay(conn, `user:${user}`, 'notification', resume.user as string | undefined),
            broadcast: replay(conn, 'broadcast', 'broadcast', resume.broadcast as string | undefined),
          };
          return answer({
            result: {
              user,
              session: `s${conns.length}`,
              heartbeatMs: options.heartbeatMs ?? 25_000,
              server: { name: 'fake', version: '0' },
              recovered,
              offsets: { user: offset(stream(`user:${user}`).seq), broadcast: offset(stream('broadcast').seq) },
            },
          });
        }
        const handler = methods.get(frame.method) ?? builtins[frame.method];
        if (!handler) return answer({ error: { code: -32601, message: `Method not found: ${frame.method}` } });
        try {
          const result = await handler(frame.params, conn);
          if (result !== NO_ANSWER) answer({ result: result ?? null });
        } catch (error) {
          answer({ error: error as Json });
        }
      });
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

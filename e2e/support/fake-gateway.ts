/**
 * A scripted gateway on a real port (the `ws` package), for tests that need a socket a page or
 * Node can reach (`e2e/plain-import.spec.ts`, `src/core/node-ws.test.ts`). It speaks the part
 * of protocol v1 (docs/protocol.md) those tests need, and that part as the real gateway does:
 * subprotocol `tether.v1` (anything else: accepted, then closed with 4000), `auth` first
 * (another frame first closes with 4008; token `good` is user `u1` by default, any other
 * closes with 4001), pings every `heartbeatMs`, `auth.refresh`, `system.echo`,
 * `system.ping`, `test.notifyMe` (pushes one `notification` to the caller), -32601 for
 * anything else, and -32700/-32600 for frames that are not requests. Events carry
 * `<epoch>:<ms>-<seq>` offsets; it keeps no history, so a resume is recovered only when
 * nothing was missed. Codes are written out as numbers on purpose: this fake checks the
 * client against the spec, so it must not share the client's constants.
 *
 * It is held to the protocol conformance suite (`src/testing/conformance/suite.ts`), which
 * also records the subset it supports (no rooms, no history): after changing it, run
 * `npx vitest run conformance/ws-fake`.
 *
 * How to extend: pass `methods: { 'orders.create': (params, conn) => result }` to
 * `startFakeGateway` (throw `{ code, message, data? }` to answer an error; push frames with
 * `conn.notify(method, params)`; drop the line with `conn.close(code, reason)`), or push
 * events with `gateway.notify(user, …)` and `gateway.broadcast(…)`. Every frame a client
 * sent is in `gateway.received`, every auth token in `gateway.tokens`.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface Frame {
  jsonrpc?: string;
  id?: string | number | null;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: unknown;
}

export interface Conn {
  /** The authenticated user. */
  user: string;
  /** Send a notification (a frame with no id). */
  notify(method: string, params: unknown): void;
  close(code: number, reason?: string): void;
}

export type Handler = (params: unknown, conn: Conn) => unknown;

export interface FakeGatewayOptions {
  methods?: Record<string, Handler>;
  /** Token → user; undefined refuses it (4001). @default `good` is `u1`, any other token is refused */
  authorize?(token: string): string | undefined;
  /** Sent in the auth result, and how often sockets are pinged. @default 25000 */
  heartbeatMs?: number;
}

export interface FakeGateway {
  /** `ws://127.0.0.1:<port>` */
  url: string;
  /** Push a `notification` to every socket of `user`. */
  notify(user: string, type: string, data?: unknown): void;
  /** Push a `broadcast` to every authenticated socket. */
  broadcast(type: string, data?: unknown): void;
  /** Every frame any client sent, in arrival order. */
  received: Frame[];
  /** The token of every `auth` request, in arrival order. */
  tokens: string[];
  close(): Promise<void>;
}

const SUBPROTOCOL = 'tether.v1';

const builtins: Record<string, Handler> = {
  'system.echo': (params) => params ?? null,
  'system.ping': () => ({ pong: true, ts: Date.now() }),
};

export async function startFakeGateway(options: FakeGatewayOptions = {}): Promise<FakeGateway> {
  const received: Frame[] = [];
  const tokens: string[] = [];
  const heartbeatMs = options.heartbeatMs ?? 25_000;
  const authorize = options.authorize ?? ((token: string) => (token === 'good' ? 'u1' : undefined));
  /** Authenticated sockets and their users. */
  const users = new Map<WebSocket, string>();
  // One life of this fake's streams: offsets from another instance are of another epoch.
  const epoch = randomUUID().slice(0, 8);
  const seqs = new Map<string, number>();
  const tip = (stream: string) => `${epoch}:0-${seqs.get(stream) ?? 0}`;
  const push = (stream: string, method: string, body: object, to: (user: string) => boolean) => {
    seqs.set(stream, (seqs.get(stream) ?? 0) + 1);
    const frame = JSON.stringify({ jsonrpc: '2.0', method, params: { ...body, offset: tip(stream), ts: Date.now() } });
    for (const [socket, user] of users) if (to(user)) socket.send(frame);
  };
  const notify = (user: string, type: string, data?: unknown) => push(`user:${user}`, 'notification', { type, data }, (u) => u === user);
  const methods: Record<string, Handler> = {
    ...builtins,
    'test.notifyMe': (_params, conn) => {
      notify(conn.user, 'hello', { n: 1 });
      return { ok: true };
    },
    ...options.methods,
  };

  const wss = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    // Echo an unknown version rather than fail the handshake: only an open socket can say 4000.
    handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : ([...offered][0] ?? false)),
  });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });

  wss.on('connection', (socket: WebSocket) => {
    if (socket.protocol !== SUBPROTOCOL) return socket.close(4000, 'Unsupported protocol');
    let user: string | undefined;
    let pinger: ReturnType<typeof setInterval> | undefined;
    socket.on('close', () => {
      users.delete(socket);
      clearInterval(pinger);
    });
    const send = (frame: object) => socket.send(JSON.stringify({ jsonrpc: '2.0', ...frame }));
    const conn: Conn = {
      get user() {
        return user ?? '';
      },
      notify: (method, params) => send({ method, params }),
      close: (code, reason) => socket.close(code, reason),
    };

    function authenticate(id: string | number, params: { token?: unknown; resume?: { user?: unknown; broadcast?: unknown } } | undefined) {
      const token = params?.token;
      tokens.push(String(token));
      const who = typeof token === 'string' && token !== '' ? authorize(token) : undefined;
      if (!who) return socket.close(4001, 'Unauthorized');
      user = who;
      users.set(socket, who);
      pinger = setInterval(() => send({ method: 'ping' }), heartbeatMs);
      const streams = { user: `user:${who}`, broadcast: 'broadcast' };
      // No history: a resume is recovered only when it missed nothing.
      const recovered = (kind: 'user' | 'broadcast') => params?.resume?.[kind] === undefined || params.resume[kind] === tip(streams[kind]);
      send({
        id,
        result: {
          user: who,
          session: `s-${randomUUID().slice(0, 8)}`,
          heartbeatMs,
          server: { name: 'fake', version: '0' },
          recovered: { user: recovered('user'), broadcast: recovered('broadcast'), rooms: {} },
          offsets: { user: tip(streams.user), broadcast: tip(streams.broadcast) },
        },
      });
    }

    socket.on('message', async (data) => {
      let frame: Frame;
      try {
        frame = JSON.parse(String(data)) as Frame;
      } catch {
        if (!user) return socket.close(4008, 'auth must be the first frame');
        return send({ id: null, error: { code: -32700, message: 'Parse error' } });
      }
      received.push(frame);
      const isObject = typeof frame === 'object' && frame !== null && !Array.isArray(frame);
      const { id = null, method, params } = isObject ? frame : ({} as Frame);
      const validId = id === null || typeof id === 'string' || typeof id === 'number';
      if (!user && method !== 'auth') return socket.close(4008, 'auth must be the first frame');
      if (!isObject || frame.jsonrpc !== '2.0' || !validId || typeof method !== 'string') {
        return send({ id: validId ? id : null, error: { code: -32600, message: 'Invalid Request' } });
      }
      if (id === null) return; // a notification (`pong`): nothing to answer

      if (method === 'auth') {
        if (user) return send({ id, error: { code: -32600, message: 'Invalid Request: this socket is authenticated already' } });
        return authenticate(id, params as Parameters<typeof authenticate>[1]);
      }
      if (method === 'auth.refresh') {
        const token = (params as { token?: unknown } | undefined)?.token;
        if (typeof token !== 'string' || authorize(token) !== user) return send({ id, error: { code: -32001, message: 'Invalid token' } });
        return send({ id, result: { exp: Math.floor(Date.now() / 1000) + 3600 } });
      }

      const handler = methods[method];
      if (!handler) return send({ id, error: { code: -32601, message: 'Method not found' } });
      try {
        send({ id, result: (await handler(params, conn)) ?? null });
      } catch (error) {
        const { code = -32603, message = String(error), data } = error as { code?: number; message?: string; data?: unknown };
        send({ id, error: { code, message, data } });
      }
    });
  });

  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    notify,
    broadcast: (type, data) => push('broadcast', 'broadcast', { type, data }, () => true),
    received,
    tokens,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}

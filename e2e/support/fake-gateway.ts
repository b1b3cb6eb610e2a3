/**
 * A scripted gateway on a real port (the `ws` package), for browser tests that need a
 * socket the page can reach. It speaks the least of protocol v1 (docs/protocol.md) that those
 * tests need: subprotocol `tether.v1`, the `auth` request (token `good` passes, any other
 * closes with 4001), `system.echo`, `test.notifyMe` (pushes one `notification`), and
 * -32601 for anything else. Codes are written out as numbers on purpose: this fake checks
 * the client against the spec, so it must not share the client's constants.
 *
 * How to extend: pass `methods: { 'orders.create': (params, conn) => result }` to
 * `startFakeGateway` (throw `{ code, message, data? }` to answer an error; push frames with
 * `conn.notify(method, params)`; drop the line with `conn.close(code, reason)`). Every
 * frame a client sent is in `gateway.received`, every auth token in `gateway.tokens`.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface Frame {
  jsonrpc?: string;
  id?: string | number;
  method?: string;
  params?: unknown;
}

export interface Conn {
  /** Send a notification (a frame with no id). */
  notify(method: string, params: unknown): void;
  close(code: number, reason?: string): void;
}

export type Handler = (params: unknown, conn: Conn) => unknown;

export interface FakeGateway {
  /** `ws://127.0.0.1:<port>` */
  url: string;
  /** Every frame any client sent, in arrival order. */
  received: Frame[];
  /** The token of every `auth` request, in arrival order. */
  tokens: string[];
  close(): Promise<void>;
}

const SUBPROTOCOL = 'tether.v1';

const builtins: Record<string, Handler> = {
  'system.echo': (params) => params,
  'test.notifyMe': (_params, conn) => {
    conn.notify('notification', { offset: '1-0', type: 'hello', data: { n: 1 }, ts: Date.now() });
    return { ok: true };
  },
};

export async function startFakeGateway(options: { methods?: Record<string, Handler> } = {}): Promise<FakeGateway> {
  const methods = { ...builtins, ...options.methods };
  const received: Frame[] = [];
  const tokens: string[] = [];
  const wss = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });

  wss.on('connection', (socket: WebSocket) => {
    if (socket.protocol !== SUBPROTOCOL) return socket.close(4000, 'Unsupported protocol');
    let authed = false;
    const send = (frame: object) => socket.send(JSON.stringify({ jsonrpc: '2.0', ...frame }));
    const conn: Conn = {
      notify: (method, params) => send({ method, params }),
      close: (code, reason) => socket.close(code, reason),
    };

    socket.on('message', async (data) => {
      let frame: Frame;
      try {
        frame = JSON.parse(String(data)) as Frame;
      } catch {
        return send({ id: null, error: { code: -32700, message: 'Parse error' } });
      }
      received.push(frame);
      const { id, method, params } = frame;
      if (id === undefined) return; // a notification (`pong`): nothing to answer

      if (method === 'auth') {
        const token = (params as { token?: unknown } | undefined)?.token;
        tokens.push(String(token));
        if (token !== 'good') return socket.close(4001, 'Unauthorized');
        authed = true;
        return send({
          id,
          result: { user: 'u1', session: 's1', heartbeatMs: 25_000, server: { name: 'test', version: '0' } },
        });
      }
      if (!authed) return send({ id, error: { code: -32001, message: 'Unauthenticated' } });

      const handler = method === undefined ? undefined : methods[method];
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
    received,
    tokens,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}

/**
 * Many light Tether connections for the fan-out and memory suites: a bare `ws` socket that
 * speaks just enough of the wire protocol (auth, room join, pong) and counts what arrives.
 * There the gateway is what is measured, so the load generator must cost the same per socket
 * as the raw `ws` clients it is compared with; the full client core is measured by the RPC
 * and reconnect-storm suites.
 */
import { WebSocket } from 'ws';
import { SUBPROTOCOL } from '../../src/protocol/codes.ts';

export interface WireConnection {
  ws: WebSocket;
  /** Resolves with the result of request `method`, rejects with its error. */
  request(method: string, params?: unknown): Promise<unknown>;
  /** Called with every notification (method and params) the gateway sends, after `ping` is answered. */
  onEvent?: (method: string, params: unknown) => void;
}

let ids = 0;

/** Open a socket to `url` (a Tether gateway) and authenticate with `token`. */
export async function connectWire(url: string, token: string): Promise<WireConnection> {
  const ws = new WebSocket(url, SUBPROTOCOL, { perMessageDeflate: false });
  const waiting = new Map<string, { resolve(v: unknown): void; reject(e: Error): void }>();
  const conn: WireConnection = {
    ws,
    request(method, params) {
      const id = String(++ids);
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      });
    },
  };
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as { id?: string; method?: string; params?: unknown; result?: unknown; error?: { message: string } };
    if (m.method === 'ping') return ws.send('{"jsonrpc":"2.0","method":"pong"}');
    if (m.method) return conn.onEvent?.(m.method, m.params);
    const w = m.id !== undefined ? waiting.get(m.id) : undefined;
    if (!w) return;
    waiting.delete(m.id!);
    if (m.error) w.reject(new Error(m.error.message));
    else w.resolve(m.result);
  });
  ws.on('close', () => {
    for (const w of waiting.values()) w.reject(new Error('closed'));
    waiting.clear();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.on('error', () => {}); // a reset during teardown is not a benchmark failure
  await conn.request('auth', { token });
  return conn;
}

/** A bare `ws` client of the floor server, with the same per-socket cost. */
export async function connectRaw(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.on('error', () => {});
  return ws;
}

/** Run `open(i)` for i in [0, n) with at most `parallel` handshakes at a time (a burst of thousands overflows the accept queue). */
export async function openMany<T>(n: number, open: (i: number) => Promise<T>, parallel = 100): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await open(i);
      }
    }),
  );
  return out;
}

/**
 * The gateway's limits and lifecycle on real sockets: heartbeats, rate limit, frame size,
 * slow consumers, token expiry and refresh, graceful shutdown.
 */
import { WebSocket } from 'ws';
import { afterEach, expect, it } from 'vitest';
import { reach, startSystem, until } from '../testing/system.ts';

let system: Awaited<ReturnType<typeof startSystem>> | undefined;
const start = async (o?: Parameters<typeof startSystem>[0]) => (system = await startSystem(o));
afterEach(async () => {
  await system?.stop();
  system = undefined;
});

/** An authenticated raw socket that answers nothing unless told to. */
async function rawClient(url: string, token: string) {
  const ws = new WebSocket(url, 'tether.v1');
  const frames: { id?: unknown; method?: string; result?: unknown; error?: { code: number }; params?: unknown }[] = [];
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
  await new Promise((r) => ws.on('open', r));
  ws.send(JSON.stringify({ jsonrpc: '2.0', id: 'a', method: 'auth', params: { token } }));
  await until(() => frames.some((f) => f.id === 'a'));
  return { ws, frames, closed, send: (o: unknown) => ws.send(JSON.stringify(o)) };
}

it('pings every heartbeatMs, drops a connection that stops answering, and clears its presence', async () => {
  const s = await start({ gateway: { heartbeatMs: 100 } });
  const mute = await rawClient(s.gateway.url, await s.token('mute'));
  mute.send({ jsonrpc: '2.0', id: 'j', method: 'rooms.join', params: { room: 'r' } });
  await until(async () => (await s.broker.members('r')).includes('mute'));
  await until(() => mute.frames.some((f) => f.method === 'ping'));
  expect(await mute.closed).toBe(1006); // terminated: no closing handshake with a dead peer
  await until(async () => !(await s.broker.members('r')).includes('mute'));
  // A well-behaved client answers and stays.
  const c = s.client('ok');
  await reach(c, 'connected');
  await new Promise((r) => setTimeout(r, 400));
  expect(c.getSnapshot().state).toBe('connected');
  expect(s.gateway.core.stats().connections).toBe(1);
});

it('rate-limits calls with -32004 and keeps the connection', async () => {
  const s = await start({ gateway: { callsPerSecond: 5 } });
  const r = await rawClient(s.gateway.url, await s.token('u1'));
  for (let i = 0; i < 10; i++) r.send({ jsonrpc: '2.0', id: i, method: 'system.ping' });
  await until(() => r.frames.filter((f) => typeof f.id === 'number').length === 10);
  const codes = r.frames.filter((f) => typeof f.id === 'number').map((f) => f.error?.code ?? 'ok');
  expect(codes.filter((c) => c === 'ok')).toHaveLength(5);
  expect(codes.filter((c) => c === -32004)).toHaveLength(5);
  await new Promise((res) => setTimeout(res, 300));
  r.send({ jsonrpc: '2.0', id: 'later', method: 'system.ping' });
  await until(() => r.frames.some((f) => f.id === 'later' && f.result));
});

it('refuses more pending calls than allowed per connection', async () => {
  const s = await start({ gateway: { maxPendingCalls: 2 } });
  const r = await rawClient(s.gateway.url, await s.token('u1'));
  for (let i = 0; i < 3; i++) r.send({ jsonrpc: '2.0', id: i, method: 'demo.slow', params: { ms: 200 } });
  await until(() => r.frames.filter((f) => typeof f.id === 'number').length === 3);
  const byId = new Map(r.frames.filter((f) => typeof f.id === 'number').map((f) => [f.id, f.error?.code ?? 'ok']));
  expect([...byId.values()].sort()).toEqual([-32004, 'ok', 'ok'].sort());
});

it('closes a connection whose frame is over the size limit with 1009', async () => {
  const s = await start({ gateway: { maxFrameBytes: 1024 } });
  const r = await rawClient(s.gateway.url, await s.token('u1'));
  r.send({ jsonrpc: '2.0', id: 1, method: 'system.echo', params: 'x'.repeat(2000) });
  expect(await r.closed).toBe(1009);
});

it('closes a slow consumer instead of buffering without bound', async () => {
  const s = await start({ gateway: { maxBufferedBytes: 64 * 1024 } });
  const r = await rawClient(s.gateway.url, await s.token('u1'));
  r.ws.pause(); // stops reading: the gateway's send buffer grows
  r.send({ jsonrpc: '2.0', id: 'j', method: 'rooms.join', params: { room: 'flood' } });
  await new Promise((res) => setTimeout(res, 50));
  const big = 'x'.repeat(16 * 1024);
  for (let i = 0; i < 400 && s.gateway.core.stats().connections; i++) {
    await s.broker.publish({ kind: 'room', room: 'flood' }, { event: 'e', data: big });
    if (i % 20 === 0) await new Promise((res) => setTimeout(res, 5));
  }
  await until(() => s.gateway.core.stats().connections === 0, 5000);
  r.ws.resume();
  expect(await r.closed).toBe(1013);
});

it('warns before the token expires, accepts auth.refresh on the live socket, and closes with 4001 at expiry', async () => {
  const s = await start({ gateway: { tokenExpiringMs: 1500 } });
  const r = await rawClient(s.gateway.url, await s.token('u1', 2));
  await until(() => r.frames.some((f) => f.method === 'token.expiring'), 3000);
  r.send({ jsonrpc: '2.0', id: 'bad', method: 'auth.refresh', params: { token: await s.token('someone-else', 60) } });
  r.send({ jsonrpc: '2.0', id: 'r', method: 'auth.refresh', params: { token: await s.token('u1', 3) } });
  await until(() => r.frames.some((f) => f.id === 'r'));
  expect(r.frames.find((f) => f.id === 'bad')?.error?.code).toBe(-32001);
  expect(r.frames.find((f) => f.id === 'r')?.result).toMatchObject({ exp: expect.any(Number) });
  // The refreshed token expires in 3 s: the socket lives past the first token's 2 s, then closes.
  const code = await r.closed;
  expect(code).toBe(4001);
}, 10_000);

it('keeps the browser client connected through a token refresh', async () => {
  const s = await start({ gateway: { tokenExpiringMs: 1500 } });
  let issued = 0;
  // The first token lives 2 s; the refreshed ones an hour.
  const c = s.client('u1', { token: () => s.token('u1', issued++ === 0 ? 2 : 3600) });
  const changes: string[] = [];
  c.on('state', (e) => changes.push(e.to));
  await reach(c, 'connected');
  await new Promise((r) => setTimeout(r, 2600));
  expect(c.getSnapshot().state).toBe('connected');
  expect(changes).toEqual(['connecting', 'authenticating', 'connected']);
  expect(issued).toBeGreaterThanOrEqual(2);
}, 10_000);

it('shuts down gracefully: pending calls are answered, then sockets close with 1012 (come back soon)', async () => {
  const s = await start();
  const c = s.client('u1', { restartWindowMs: 50 });
  await reach(c, 'connected');
  const slow = c.call('demo.slow', { ms: 200 });
  await new Promise((r) => setTimeout(r, 20));
  const codes: (number | undefined)[] = [];
  c.on('state', (e) => e.to === 'reconnecting' && codes.push(e.code));
  await s.gateway.close(2000);
  await expect(slow).resolves.toEqual({ waited: 200 });
  // Later retries find no gateway (1006); the first close is the restart notice.
  await until(() => codes.length >= 1);
  expect(codes[0]).toBe(1012);
});

it('refuses upgrades from origins outside the allowlist with 403', async () => {
  const s = await start({ gateway: { allowedOrigins: ['https://app.example.com'] } });
  const attempt = (origin: string) =>
    new Promise<string>((resolve) => {
      const ws = new WebSocket(s.gateway.url, 'tether.v1', { origin });
      ws.on('open', () => (ws.close(), resolve('open')));
      ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
      ws.on('error', () => {});
    });
  expect(await attempt('https://evil.example.com')).toBe('403');
  expect(await attempt('https://app.example.com')).toBe('open');
});

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRoomProxy } from './room-proxy.ts';

/** A real backend on a free port; each test sets how it answers and reads what it received. */
let server: Server;
let url: string;
let answer: (body: Record<string, unknown>, res: ServerResponse) => void;
let received: Record<string, unknown>[];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as Record<string, unknown>;
      received.push(body);
      answer(body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/centrifugo/subscribe`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  received = [];
  answer = (_b, res) => json(res, { result: {} });
});

const json = (res: ServerResponse, body: unknown, status = 200) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
const alice = { user: 'alice', room: 'game_1', action: 'join' as const, conn: 'c-1' };

describe('createRoomProxy', () => {
  it("posts Centrifugo's subscribe-proxy request, with the action in meta", async () => {
    const proxy = createRoomProxy({ url });
    expect(await proxy.ask(alice)).toEqual({ allow: true });
    expect(received).toEqual([
      { client: 'c-1', transport: 'websocket', protocol: 'json', encoding: 'json', user: 'alice', channel: 'game_1', meta: { action: 'join' } },
    ]);
  });

  it('refuses with the application\'s error message and code', async () => {
    answer = (_b, res) => json(res, { error: { code: 103, message: 'permission denied' } });
    expect(await createRoomProxy({ url }).ask(alice)).toEqual({ allow: false, reason: 'refused by the application: permission denied (code 103)' });
  });

  it('refuses on a disconnect answer, and passes the disconnect on', async () => {
    answer = (_b, res) => json(res, { disconnect: { code: 4501, reason: 'banned', reconnect: false } });
    expect(await createRoomProxy({ url }).ask(alice)).toEqual({
      allow: false,
      reason: 'refused by the application: banned',
      disconnect: { code: 4501, reason: 'banned' },
    });
  });

  it('refuses a body carrying both a result and an error (fail closed)', async () => {
    answer = (_b, res) => json(res, { result: {}, error: { code: 103, message: 'no' } });
    expect(await createRoomProxy({ url }).ask(alice)).toMatchObject({ allow: false });
  });

  it('refuses, saying so, when the application does not answer in time', async () => {
    answer = () => {}; // never answers
    const t0 = Date.now();
    expect(await createRoomProxy({ url, timeoutMs: 100 }).ask(alice)).toEqual({ allow: false, failed: true, reason: 'room proxy did not answer within 100 ms' });
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('refuses, saying so, on a 5xx', async () => {
    answer = (_b, res) => json(res, 'upstream down', 502);
    expect(await createRoomProxy({ url }).ask(alice)).toEqual({ allow: false, failed: true, reason: 'room proxy failed (HTTP 502)' });
  });

  it('refuses when the application is unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    expect(await createRoomProxy({ url: `http://127.0.0.1:${port}/` }).ask(alice)).toEqual({ allow: false, failed: true, reason: 'room proxy unreachable' });
  });

  it.each([
    ['not JSON', 'OK'],
    ['an empty object', '{}'],
    ['a result that is not an object', '{"result":true}'],
    ['a result next to an unreadable error', '{"result":{},"error":"nope"}'],
  ])('refuses an answer that is %s', async (_name, body) => {
    answer = (_b, res) => json(res, body);
    expect(await createRoomProxy({ url }).ask(alice)).toEqual({ allow: false, failed: true, reason: 'room proxy sent a malformed answer' });
  });

  it('reuses an answer for the same user, room and action while it is fresh', async () => {
    let t = 1_000;
    const proxy = createRoomProxy({ url, cacheMs: 5000, now: () => t });
    await proxy.ask(alice);
    await proxy.ask(alice);
    expect(received).toHaveLength(1);
    await proxy.ask({ ...alice, action: 'publish' });
    await proxy.ask({ ...alice, user: 'bob' });
    await proxy.ask({ ...alice, room: 'game_2' });
    expect(received).toHaveLength(4);
    t += 5001;
    await proxy.ask(alice);
    expect(received).toHaveLength(5);
  });

  it('keeps refusals too, so a refused user hammering join costs one request per TTL', async () => {
    answer = (_b, res) => json(res, { error: { code: 103, message: 'permission denied' } });
    const proxy = createRoomProxy({ url });
    for (let i = 0; i < 20; i++) await proxy.ask(alice);
    expect(received).toHaveLength(1);
  });

  it('never keeps failures or temporary errors: the next join asks again', async () => {
    answer = (_b, res) => json(res, 'down', 503);
    const proxy = createRoomProxy({ url });
    await proxy.ask(alice);
    answer = (_b, res) => json(res, { error: { code: 100, message: 'try later', temporary: true } });
    await proxy.ask(alice);
    answer = (_b, res) => json(res, { result: {} });
    expect(await proxy.ask(alice)).toEqual({ allow: true });
    expect(received).toHaveLength(3);
  });

  it('asks once for concurrent identical requests', async () => {
    const proxy = createRoomProxy({ url });
    const answers = await Promise.all(Array.from({ length: 10 }, () => proxy.ask(alice)));
    expect(answers.every((a) => a.allow)).toBe(true);
    expect(received).toHaveLength(1);
  });

  it('keeps at most maxCacheEntries answers, dropping the oldest', async () => {
    const proxy = createRoomProxy({ url, maxCacheEntries: 3 });
    for (const room of ['a', 'b', 'c', 'd']) await proxy.ask({ ...alice, room });
    expect(proxy.cacheSize()).toBe(3);
    await proxy.ask({ ...alice, room: 'a' });
    expect(received).toHaveLength(5);
  });

  it('does not cache at all with cacheMs 0', async () => {
    const proxy = createRoomProxy({ url, cacheMs: 0 });
    await proxy.ask(alice);
    await proxy.ask(alice);
    expect(received).toHaveLength(2);
  });
});

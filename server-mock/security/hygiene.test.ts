/**
 * What an attacker can do to the gateway's own bookkeeping and answers: grow `/metrics`
 * without bound, make a caller wait out its deadline with a frame too deep to parse, learn
 * nothing from the publish API's errors, or read a secret from the logs. And refusals that
 * an operator and an app can diagnose.
 */
import { afterEach, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createClient } from '../../src/core/client.ts';
import { Redis } from 'ioredis';
import { keyPart } from '../broker/broker.ts';
import { freePort, runCli, stopAll } from '../testing/processes.ts';
import { redisUrl, unreachable } from '../testing/redis.ts';
import { reach, until } from '../testing/system.ts';
import { startSecured, type Secured } from './harness.ts';

let g: Secured | undefined;
const start = async (env: Record<string, string> = {}) => (g = await startSecured('memory', env));
afterEach(async () => {
  await g?.stop();
  g = undefined;
  await stopAll();
});

it('does not grow /metrics with junk method names, and keeps labels for the methods workers serve', async () => {
  const s = await start({ CALLS_PER_SECOND: '1000', CALLS_PER_SECOND_PER_USER: '1000' });
  const alice = await s.as('alice');
  // A method the worker announced gets its own label (within about a second of the worker starting).
  const labelled = async () => (await (await fetch(`${s.http}/metrics`)).text()).includes('method="orders.list"');
  await until(async () => (await alice.request('orders.list'), labelled()), 5000);
  for (let i = 0; i < 100; i++) alice.send({ jsonrpc: '2.0', id: `j${i}`, method: `${'x'.repeat(30_000)}${i}` });
  await until(() => alice.frames.filter((f) => String(f.id).startsWith('j')).length === 100, 10_000);
  const text = await (await fetch(`${s.http}/metrics`)).text();
  expect(text.length).toBeLessThan(200_000);
  expect(text).toContain('method="orders.list"');
});

it('answers a frame too deep to parse with its id, so its caller is not left waiting', async () => {
  const s = await start();
  const alice = await s.as('alice');
  const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
  alice.send(`{"jsonrpc":"2.0","id":"deep","method":"system.echo","params":${deep}}`);
  await until(() => alice.frames.some((f) => f.id === 'deep' || (f.id === null && f.error)), 3000);
  expect(alice.frames.find((f) => f.id === 'deep')?.error).toBeDefined();
});

it('answers bad input to the publish API with 400 and what is wrong, not "broker unavailable"', async () => {
  const s = await start();
  const post = (body: string) =>
    fetch(`${s.http}/api/publish`, { method: 'POST', headers: { 'x-api-key': 'sec-key', 'content-type': 'application/json' }, body });
  const bad = await post(JSON.stringify({ user: 42 }));
  expect(bad.status).toBe(400);
  const notJson = await post('{nope');
  expect(notJson.status).toBe(400);
  await s.broker.close();
  const down = await post(JSON.stringify({ user: 'alice', type: 'x' }));
  expect(down.status).toBe(503);
});

it('answers 503 only when the broker is down: a publish Redis refuses for another reason is a 500', async () => {
  if (await unreachable()) return; // the Redis suites say why they skip
  const s = (g = await startSecured('redis'));
  const admin = new Redis(redisUrl);
  // Something else already sits where this user's history goes (an operator's mistake, a bug).
  await admin.set(`${s.prefix}hist:user:${keyPart('clash')}`, 'not a stream');
  admin.disconnect();
  const res = await fetch(`${s.http}/api/publish`, {
    method: 'POST',
    headers: { 'x-api-key': 'sec-key', 'content-type': 'application/json' },
    body: JSON.stringify({ user: 'clash', type: 'x' }),
  });
  expect(res.status).toBe(500);
  expect(((await res.json()) as { error: string }).error).not.toMatch(/unavailable/);
});

it('never prints an API_KEY it was given', async () => {
  const port = await freePort();
  const app = await runCli('start', { PORT: String(port), API_KEY: 'given-secret-api-key-123', JWT_SECRET: '', REDIS_URL: '' });
  expect(app.output()).not.toContain('given-secret-api-key-123');
});

it('logs a refused upgrade with its reason and Origin', async () => {
  const s = await start({ ALLOWED_ORIGINS: 'https://app.example.com' });
  const ws = new WebSocket(s.gateway.url, 'tether.v1', { origin: 'https://evil.example' });
  await new Promise((resolve) => {
    ws.on('error', resolve);
    ws.on('close', resolve);
  });
  await until(() => s.logs.some((l) => JSON.stringify(l).includes('https://evil.example')));
  const line = s.logs.find((l) => JSON.stringify(l).includes('https://evil.example'))!;
  expect(line.level).toBeGreaterThanOrEqual(40);
  expect(JSON.stringify(line)).toMatch(/origin/i);
});

it('tells the app why it is not connected: no token, token refused, token expired, upgrade refused', async () => {
  const s = await start({ ALLOWED_ORIGINS: 'https://app.example.com' });
  const reasons = async (token: () => string | Promise<string>, url = s.gateway.url, origin?: string) => {
    const WS = origin ? class extends WebSocket { constructor(u: string, p: string) { super(u, p, { origin }); } } : WebSocket;
    const c = createClient({ url, token, WebSocket: WS as unknown as typeof WebSocket, random: () => 0, backoff: { initialMs: 10, maxMs: 20 }, restartWindowMs: 20 });
    const seen: string[] = [];
    c.on('state', (e) => e.reason && seen.push(e.reason));
    await until(() => seen.length >= 1, 5000);
    c.close();
    return seen[0]!;
  };
  const origin = 'https://app.example.com';
  expect(await reasons(() => '', s.gateway.url, origin)).toMatch(/no token/i);
  expect(await reasons(() => 'not-a-jwt', s.gateway.url, origin)).toMatch(/token refused/i);
  const expired = await (await import('./harness.ts')).sign({ sub: 'alice' }, -60);
  expect(await reasons(() => expired, s.gateway.url, origin)).toMatch(/token expired/i);
  expect(await reasons(() => 'x', s.gateway.url, 'https://evil.example')).toMatch(/refused|unreachable/i);
  const ok = s.client('alice', { WebSocket: class extends WebSocket { constructor(u: string, p: string) { super(u, p, { origin }); } } as unknown as typeof WebSocket });
  await reach(ok, 'connected');
});

/**
 * Attacks on identity and resources: one socket trying to be two users, one user trying to
 * use more than their share (sockets, calls, rooms), anonymous sockets that never
 * authenticate, and the tokens RFC 8725 warns about. Each limit trips with its own answer.
 */
import { afterEach, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ConfigError, loadGatewayConfig } from '../config.ts';
import { reach, until } from '../testing/system.ts';
import { SECRET, sign, startSecured, tokenFor, type Secured } from './harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let g: Secured | undefined;
const start = async (env: Record<string, string> = {}) => (g = await startSecured('memory', env));
afterEach(async () => {
  await g?.stop();
  g = undefined;
});

it('refuses a second auth frame on one socket: one identity per socket, no leaked subscriptions', async () => {
  const s = await start();
  const base = s.gateway.core.stats().subscriptions;
  const r = await s.raw();
  r.send({ jsonrpc: '2.0', id: 'a1', method: 'auth', params: { token: await tokenFor('alice') } });
  r.send({ jsonrpc: '2.0', id: 'a2', method: 'auth', params: { token: await tokenFor('bob') } });
  await until(() => r.frames.some((f) => f.id === 'a1') && r.frames.some((f) => f.id === 'a2'));
  const answers = r.frames.filter((f) => f.id === 'a1' || f.id === 'a2');
  expect(answers.filter((f) => f.result)).toHaveLength(1);
  expect(answers.find((f) => f.id === 'a2')!.error?.code).toBe(-32600);
  await s.broker.publish({ kind: 'user', user: 'bob' }, { type: 'for-bob' });
  await sleep(100);
  expect(r.frames.filter((f) => f.method === 'notification')).toEqual([]);
  r.ws.close();
  await until(() => s.gateway.core.stats().connections === 0);
  expect(s.gateway.core.stats().subscriptions).toBe(base);
});

it('limits calls per second per user across all of their sockets', async () => {
  const s = await start({ CALLS_PER_SECOND_PER_USER: '20', CALLS_PER_SECOND: '1000' });
  const sockets = await Promise.all(Array.from({ length: 10 }, () => s.as('alice')));
  let n = 0;
  for (const r of sockets) for (let i = 0; i < 10; i++) r.send({ jsonrpc: '2.0', id: `p${n++}`, method: 'system.ping' });
  await until(() => sockets.every((r) => r.frames.filter((f) => String(f.id).startsWith('p')).length === 10));
  const answers = sockets.flatMap((r) => r.frames.filter((f) => String(f.id).startsWith('p')));
  const ok = answers.filter((f) => f.result).length;
  expect(ok).toBeLessThanOrEqual(22);
  expect(answers.filter((f) => f.error?.code === -32004).length).toBe(100 - ok);
});

it('caps the rooms one connection holds', async () => {
  const s = await start({ PUBLIC_ROOMS: '*', MAX_ROOMS_PER_CONNECTION: '5' });
  const alice = await s.as('alice');
  for (let i = 0; i < 5; i++) expect((await alice.request('rooms.join', { room: `r${i}` })).result).toBeDefined();
  expect((await alice.request('rooms.join', { room: 'r5' })).error?.code).toBe(-32004);
  // Joining a room held already is not one more.
  expect((await alice.request('rooms.join', { room: 'r0' })).result).toBeDefined();
});

it('caps the rooms resumed in one auth frame, and answers it quickly', async () => {
  const s = await start({ PUBLIC_ROOMS: '*' });
  const rooms = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`room-${i}`, 'x:0-0']));
  const started = Date.now();
  const alice = await s.as('alice', {}, { rooms });
  const took = Date.now() - started;
  const resumed = Object.keys((alice.auth.result!.recovered as { rooms: Record<string, boolean> }).rooms);
  expect(resumed.length).toBeLessThanOrEqual(128);
  expect(took).toBeLessThan(2000);
});

it('caps the connections of one user', async () => {
  const s = await start({ MAX_CONNECTIONS_PER_USER: '3' });
  for (let i = 0; i < 3; i++) expect((await s.as('alice')).auth.result).toBeDefined();
  const fourth = await s.raw();
  fourth.send({ jsonrpc: '2.0', id: 'a', method: 'auth', params: { token: await tokenFor('alice') } });
  expect((await fourth.closed).code).toBe(4029);
  // Others are not affected.
  expect((await s.as('bob')).auth.result).toBeDefined();
});

it('caps the sockets one address holds open before they authenticate', async () => {
  const s = await start({ MAX_PREAUTH_PER_ADDRESS: '5' });
  const idle = await Promise.all(Array.from({ length: 5 }, () => s.raw()));
  const sixth = new WebSocket(s.gateway.url, 'tether.v1');
  const outcome = await new Promise<string>((resolve) => {
    sixth.on('unexpected-response', (_req, res) => resolve(`http ${res.statusCode}`));
    sixth.on('close', (code) => resolve(`close ${code}`));
    sixth.on('error', () => {});
  });
  expect(outcome).toMatch(/^(http 429|close 4029)$/);
  // Authenticating frees the place.
  idle[0]!.send({ jsonrpc: '2.0', id: 'a', method: 'auth', params: { token: await tokenFor('alice') } });
  await until(() => idle[0]!.frames.some((f) => f.id === 'a'));
  expect((await s.raw()).ws.readyState).toBe(WebSocket.OPEN);
});

it('closes a socket that sends anything but auth first, instead of answering it forever', async () => {
  const s = await start();
  const r = await s.raw();
  r.send({ jsonrpc: '2.0', id: 1, method: 'system.ping' });
  const closed = await Promise.race([r.closed, sleep(1000).then(() => undefined)]);
  expect(closed?.code).toBe(4008);
});

it('refuses a token without exp, unless the deployment allows them', async () => {
  const s = await start();
  const forever = await s.raw();
  forever.send({ jsonrpc: '2.0', id: 'a', method: 'auth', params: { token: await sign({ sub: 'alice' }, null) } });
  expect((await forever.closed).code).toBe(4001);
  await s.stop();
  g = undefined;
  const lax = await start({ JWT_ALLOW_NO_EXP: 'true' });
  const ok = await lax.raw();
  expect((await ok.request('auth', { token: await sign({ sub: 'alice' }, null) })).result).toMatchObject({ user: 'alice' });
});

it('does not let auth.refresh remove a live session\'s expiry with a token without exp', async () => {
  const s = await start();
  const alice = await s.as('alice');
  const refreshed = await alice.request('auth.refresh', { token: await sign({ sub: 'alice' }, null) });
  expect(refreshed.error?.code).toBe(-32001);
});

it('refuses a sub longer than 256 bytes', async () => {
  const s = await start();
  const r = await s.raw();
  r.send({ jsonrpc: '2.0', id: 'a', method: 'auth', params: { token: await tokenFor('é'.repeat(129)) } });
  expect((await r.closed).code).toBe(4001);
});

it('closes an empty or missing token with 4001, not -32602', async () => {
  const s = await start();
  for (const params of [{ token: '' }, {}]) {
    const r = await s.raw();
    r.send({ jsonrpc: '2.0', id: 'a', method: 'auth', params });
    expect((await r.closed).code).toBe(4001);
  }
});

it('refuses to start with JWKS_URL but no JWT_AUDIENCE, with a clear error', () => {
  const attempt = () => loadGatewayConfig({ JWKS_URL: 'https://id.example/jwks.json', JWT_ISSUER: 'https://id.example' }, []);
  expect(attempt).toThrow(ConfigError);
  expect(attempt).toThrow(/JWT_AUDIENCE/);
  expect(loadGatewayConfig({ JWT_SECRET: SECRET }, []).jwtSecret).toBe(SECRET);
});

it('asks for a new token at most about once per token lifetime, for 5 s, 30 s and 1 h tokens', async () => {
  const s = await start();
  const asked = { 5: 0, 30: 0, 3600: 0 };
  const clients = ([5, 30, 3600] as const).map((ttl) =>
    s.client(`u${ttl}`, {
      token: () => {
        asked[ttl]++;
        return sign({ sub: `u${ttl}` }, ttl);
      },
    }),
  );
  await Promise.all(clients.map((c) => reach(c, 'connected')));
  await sleep(12_000);
  // 12 s: a 5 s token is renewed about every 4 s (at 80% of its life), the others not at all.
  expect(asked[5]).toBeGreaterThanOrEqual(3);
  expect(asked[5]).toBeLessThanOrEqual(6);
  expect(asked[30]).toBe(1);
  expect(asked[3600]).toBe(1);
  for (const c of clients) expect(c.getSnapshot().state).toBe('connected');
}, 20_000);

it('takes at most UPGRADES_PER_SECOND new sockets a second: a crowd coming back at once gets 503 with Retry-After, then in', async () => {
  const s = await start({ UPGRADES_PER_SECOND: '40' });
  const outcomes = await Promise.all(
    Array.from({ length: 50 }, () => {
      const ws = new WebSocket(s.gateway.url, 'tether.v1');
      return new Promise<string>((resolve) => {
        ws.on('open', () => (resolve('open'), ws.close()));
        ws.on('unexpected-response', (_req, res) => resolve(`http ${res.statusCode} retry-after ${res.headers['retry-after']}`));
        ws.on('error', () => {});
      });
    }),
  );
  // A burst of a fifth of a second's worth (8), and what refills while they arrive.
  const opened = outcomes.filter((o) => o === 'open').length;
  expect(opened).toBeGreaterThanOrEqual(8);
  expect(opened).toBeLessThanOrEqual(20);
  expect(outcomes.filter((o) => o === 'http 503 retry-after 1')).toHaveLength(50 - opened);
  // The rate refills: a second later, sockets open again.
  await sleep(1100);
  expect((await s.as('alice')).auth.result).toBeDefined();
});

/**
 * What the app can ask of a connection beyond calling: reconnect now, switch users, keep
 * positions across reloads, and the frame limit that makes an oversized call fail once.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/codes.ts';
import { advance, harness } from '../testing/harness.ts';
import { fakeEnvironment } from '../testing/fake-environment.ts';
import { tokenFor, userOf } from '../testing/jwt.ts';
import { createClient } from './client.ts';
import { ClosedError, RpcError } from './errors.ts';

const h = harness();
const users = userOf;
const tokenOf = tokenFor;
const [ALICE, BOB] = [tokenOf('alice'), tokenOf('bob')];

describe('reconnect()', () => {
  it('drops a live socket and connects again, resending a call in flight with its id: it settles once', async () => {
    const gw = h.gateway();
    let runs = 0;
    gw.method('slow', async (_p, conn) => {
      runs++;
      // The first socket is dropped before it answers; the resend on the second one answers.
      if (conn === gw.conns[0]) return new Promise(() => {});
      return { ok: true };
    });
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const p = client.call('slow', {});
    await advance(10);
    client.reconnect();
    await advance(10);
    await expect(p).resolves.toEqual({ ok: true });
    expect(gw.conns).toHaveLength(2);
    expect(gw.conns[0]!.open).toBe(false);
    const [first, second] = gw.conns.map((c) => c.received.find((f) => f.method === 'slow'));
    expect(second!.id).toBe(first!.id);
    expect(runs).toBe(2); // the gateway answers a resend once; this fake runs both and the client keeps one
    expect(client.stats()).toMatchObject({ pending: 0, queued: 0 });
  });

  it('rejoins the rooms that were joined on the dropped socket', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const room = client.room('lobby');
    const got: unknown[] = [];
    room.on('message', (m) => got.push(m.data));
    void room.join();
    await advance(10);
    client.reconnect();
    await advance(10);
    expect(gw.sent('rooms.join')).toHaveLength(2);
    gw.toRoom('lobby', 'say', 'hi');
    await advance(0);
    expect(got).toEqual(['hi']);
  });

  it('connects at once from a long backoff, and starts the backoff again from the first step', async () => {
    const gw = h.gateway();
    gw.refuse();
    const { client } = h.client({ url: gw.url, random: () => 0.99, backoff: { initialMs: 1000, maxMs: 60_000 } });
    await advance(20_000);
    const before = gw.conns.length;
    expect(client.getSnapshot().state).toBe('reconnecting');
    expect(client.getSnapshot().nextRetryAt! - Date.now()).toBeGreaterThan(1000);
    gw.refuse(false);
    client.reconnect();
    await advance(10);
    expect(gw.conns.length).toBe(before + 1);
    expect(client.getSnapshot()).toMatchObject({ state: 'connected', attempt: 0 });
  });

  it('starts a closed client, like connect()', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url });
    await advance(10);
    client.close();
    client.reconnect();
    await advance(10);
    expect(client.getSnapshot().state).toBe('connected');
  });
});

describe('setToken() of another user', () => {
  it('reconnects as them, resumes none of the previous user\'s streams and joins none of their rooms', async () => {
    const gw = h.gateway({ authorize: users });
    const { client } = h.client({ url: gw.url, token: ALICE });
    await advance(10);
    const room = client.room('alice-only');
    void room.join();
    await advance(10);
    gw.notify('alice', 'n', 1);
    await advance(0);
    client.setToken(BOB);
    await advance(10);
    expect(client.getSnapshot()).toMatchObject({ state: 'connected', user: 'bob' });
    const auth = gw.last.received.find((f) => f.method === 'auth')!;
    expect(auth.params).toMatchObject({ token: BOB });
    expect((auth.params as { resume?: { user?: string } }).resume?.user).toBeUndefined();
    expect(gw.last.received.filter((f) => f.method === 'rooms.join')).toHaveLength(0);
    expect(room.getSnapshot().status).toBe('idle');
  });

  it('fails the previous user\'s calls in flight instead of running them as the new user', async () => {
    const gw = h.gateway({ authorize: users });
    const ran: string[] = [];
    gw.method('pay', (_p, conn) => {
      ran.push(conn.user!);
      return conn.user === 'alice' ? new Promise(() => {}) : { paid: conn.user };
    });
    const { client } = h.client({ url: gw.url, token: ALICE });
    await advance(10);
    const p = client.call('pay', {});
    const caught = p.catch((e: unknown) => e);
    await advance(10);
    client.setToken(BOB);
    await advance(10);
    expect(await caught).toBeInstanceOf(ClosedError);
    expect(ran).toEqual(['alice']);
    await expect(client.call('pay', {})).resolves.toEqual({ paid: 'bob' });
  });

  it('works with a token function, and with a token that does not say its user (the gateway refuses the refresh)', async () => {
    const gw = h.gateway({ authorize: users });
    const { client } = h.client({ url: gw.url, token: () => ALICE });
    await advance(10);
    client.setToken(async () => BOB);
    await advance(10);
    expect(client.getSnapshot().user).toBe('bob');
    client.setToken('carol'); // opaque
    await advance(10);
    expect(client.getSnapshot()).toMatchObject({ state: 'connected', user: 'carol' });
  });

  it('refreshes the live connection when the token is the same user\'s', async () => {
    const gw = h.gateway({ authorize: users });
    const { client } = h.client({ url: gw.url, token: ALICE });
    await advance(10);
    client.setToken(tokenOf('alice'));
    await advance(10);
    expect(gw.conns).toHaveLength(1);
    expect(gw.sent('auth.refresh')).toHaveLength(1);
  });
});

describe('persist', () => {
  it('a reloaded page resumes from the saved positions: what was published meanwhile arrives once, with no gap', async () => {
    const gw = h.gateway({ authorize: users });
    const storage = new Map<string, string>();
    const first = h.client({ url: gw.url, token: ALICE, persist: 'session', environment: fakeEnvironment(storage).env });
    await advance(10);
    gw.notify('alice', 'a');
    await advance(0);
    // The page goes away: its positions are saved as it closes.
    first.client.close();
    gw.notify('alice', 'b');
    gw.broadcast('c');
    const again = createClient({ url: gw.url, token: ALICE, persist: 'session', environment: fakeEnvironment(storage).env });
    const got: string[] = [];
    const gaps: unknown[] = [];
    again.on('notification', (n) => got.push(n.type));
    again.on('broadcast', (b) => got.push(b.type));
    again.on('gap', (g) => gaps.push(g));
    await advance(10);
    expect(got).toEqual(['b', 'c']);
    expect(gaps).toEqual([]);
    again.close();
  });

  it('saves when the page is hidden, while still connected', async () => {
    const gw = h.gateway();
    const storage = new Map<string, string>();
    const env = fakeEnvironment(storage);
    const { client } = h.client({ url: gw.url, persist: 'local', environment: env.env });
    await advance(10);
    const sent = gw.notify('u1', 'a');
    await advance(0);
    env.hide();
    expect(JSON.parse([...storage.values()][0]!)).toMatchObject({ u: sent.offset });
    expect([...storage.keys()][0]).toContain(gw.url);
    expect(client.getSnapshot().state).toBe('connected');
  });

  it('another user\'s page starts fresh', async () => {
    const gw = h.gateway({ authorize: users });
    const storage = new Map<string, string>();
    const a = h.client({ url: gw.url, token: 'alice', persist: 'session', environment: fakeEnvironment(storage).env });
    await advance(10);
    a.client.close();
    const b = h.client({ url: gw.url, token: BOB, persist: 'session', environment: fakeEnvironment(storage).env });
    await advance(10);
    const auth = gw.last.received.find((f) => f.method === 'auth')!;
    expect((auth.params as { resume?: { user?: string } }).resume?.user).toBeUndefined();
    expect(b.client.getSnapshot().user).toBe('bob');
  });

  it('a saved position the gateway cannot replay from says gap', async () => {
    const gw = h.gateway({ authorize: users });
    const storage = new Map<string, string>();
    const a = h.client({ url: gw.url, token: ALICE, persist: 'session', environment: fakeEnvironment(storage).env });
    await advance(10);
    a.client.close();
    gw.notify('alice', 'lost');
    gw.trim('user:alice');
    const gaps: unknown[] = [];
    const b = h.client({ url: gw.url, token: ALICE, persist: 'session', environment: fakeEnvironment(storage).env });
    b.client.on('gap', (g) => gaps.push(g));
    await advance(10);
    expect(gaps).toEqual([{ stream: 'user' }]);
  });

  it('with a token that does not say its user, says gap instead of resuming silently from too late', async () => {
    const gw = h.gateway();
    const storage = new Map<string, string>();
    const a = h.client({ url: gw.url, persist: 'session', environment: fakeEnvironment(storage).env });
    await advance(10);
    gw.notify('u1', 'seen');
    await advance(0);
    a.client.close();
    gw.notify('u1', 'published during the reload');
    const gaps: unknown[] = [];
    const b = h.client({ url: gw.url, persist: 'session', environment: fakeEnvironment(storage).env });
    b.client.on('gap', (g) => gaps.push(g));
    await advance(10);
    expect(gaps).toContainEqual({ stream: 'user' });
  });

  it('keeps nothing without the option', async () => {
    const gw = h.gateway();
    const storage = new Map<string, string>();
    const a = h.client({ url: gw.url, environment: fakeEnvironment(storage).env });
    await advance(10);
    a.client.close();
    expect(storage.size).toBe(0);
  });
});

describe('a call too large for the gateway', () => {
  it('fails at once with -32006 when the gateway said its limit, is never sent, and the next call works', async () => {
    const gw = h.gateway({ maxFrameBytes: 1000 });
    gw.method('echo', (p) => p);
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const big = client.call('echo', { text: 'x'.repeat(2000) });
    await expect(big).rejects.toMatchObject({ code: ErrorCode.PayloadTooLarge });
    await expect(big).rejects.toBeInstanceOf(RpcError);
    expect(gw.sent('echo')).toHaveLength(0);
    // Multi-byte text counts in UTF-8 bytes, not in characters.
    await expect(client.call('echo', { text: 'é'.repeat(600) })).rejects.toMatchObject({ code: ErrorCode.PayloadTooLarge });
    await expect(client.call('echo', { text: 'small' })).resolves.toEqual({ text: 'small' });
    expect(gw.conns).toHaveLength(1);
  });

  it('queued while offline, fails once connected, and does not hold back the calls behind it', async () => {
    const gw = h.gateway({ maxFrameBytes: 1000 });
    gw.method('echo', (p) => p);
    const { client } = h.client({ url: gw.url, autoConnect: false });
    const big = client.call('echo', { text: 'x'.repeat(2000) });
    const caught = big.catch((e: unknown) => e);
    const small = client.call('echo', { n: 1 });
    client.connect();
    await advance(10);
    expect(await caught).toMatchObject({ code: ErrorCode.PayloadTooLarge });
    await expect(big).rejects.toMatchObject({ code: ErrorCode.PayloadTooLarge });
    await expect(small).resolves.toEqual({ n: 1 });
  });

  it('fails with -32006 when the gateway closed with 1009 for it, and is not resent', async () => {
    const gw = h.gateway({ maxFrameBytes: 1000, advertiseFrameLimit: false });
    gw.method('echo', (p) => p);
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const big = client.call('echo', { text: 'x'.repeat(2000) });
    const caught = big.catch((e: unknown) => e);
    await advance(0);
    expect(await caught).toMatchObject({ code: ErrorCode.PayloadTooLarge });
    await advance(2000);
    expect(client.getSnapshot().state).toBe('connected');
    await expect(client.call('echo', { n: 2 })).resolves.toEqual({ n: 2 });
    // Received by nobody: the first socket closed on it, and no later socket saw it again.
    expect(gw.sent('echo')).toEqual([expect.objectContaining({ params: { n: 2 } })]);
  });
});

describe('createClient without what it needs', () => {
  it.each([
    ['no url', { token: 't' }],
    ['no token', { url: 'ws://x.test/ws' }],
    ['an empty url', { url: '', token: 't' }],
  ])('throws a TypeError at once with %s', (_name, options) => {
    expect(() => createClient(options as never)).toThrow(TypeError);
    expect(() => createClient(options as never)).toThrow(/url.*token.*required/);
  });
});

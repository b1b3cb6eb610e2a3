/**
 * The shared connection's rules on fake timers: several tabs of a fake browser (shared locks
 * and channels) against the scripted gateway. The same scenarios run in real Chromium in
 * e2e/shared.spec.ts; here the timing of a hand-over is exact and the odd platforms are easy.
 */
import { describe, expect, it } from 'vitest';
import { advance, harness } from '../testing/harness.ts';
import { fakeBrowser } from '../testing/fake-browser.ts';
import { fakeEnvironment } from '../testing/fake-environment.ts';
import { jwt, tokenFor, userOf } from '../testing/jwt.ts';
import type { SharedClient } from './types.ts';
import { createSharedClient } from './shared-client.ts';

const h = harness();
const tokenOf = tokenFor;

function setup() {
  const gw = h.gateway({ authorize: userOf });
  const browser = fakeBrowser();
  const clients: SharedClient[] = [];
  const open = (user: string, parts = true, token = tokenOf(user)) => {
    const tab = browser.tab(parts);
    const client = createSharedClient({ url: gw.url, token, platform: tab.platform, environment: fakeEnvironment().env });
    clients.push(client);
    return { tab, client };
  };
  const sharing = () => clients.map((c) => c.getSnapshot().sharing);
  return { gw, browser, open, clients, sharing, cleanup: () => clients.forEach((c) => c.close()) };
}

describe('createSharedClient', () => {
  it('three tabs of one user hold one connection; calls from every tab settle once', async () => {
    const s = setup();
    s.gw.method('echo', (p) => p);
    const tabs = [s.open('ann'), s.open('ann'), s.open('ann')];
    await advance(50);
    expect(s.gw.live()).toHaveLength(1);
    expect(s.sharing().sort()).toEqual(['follower', 'follower', 'leader']);
    for (const { client } of tabs) expect(client.getSnapshot()).toMatchObject({ state: 'connected', user: 'ann' });
    const calls = Promise.all(tabs.map(({ client }, i) => client.call('echo', { i })));
    await advance(50);
    expect(await calls).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    expect(s.gw.sent('echo')).toHaveLength(3);
    s.cleanup();
  });

  it('another user, and a browser without Web Locks, get connections of their own', async () => {
    const s = setup();
    s.open('ann');
    s.open('ann');
    s.open('bob');
    s.open('ann', false);
    await advance(50);
    expect(s.gw.live().map((c) => c.user).sort()).toEqual(['ann', 'ann', 'bob']);
    expect(s.sharing()).toEqual(['leader', 'follower', 'leader', 'leader']);
    s.cleanup();
  });

  it('a token that does not name its user is not shared', async () => {
    const s = setup();
    const gw = h.gateway({ url: 'ws://opaque.test/ws', authorize: () => 'someone' });
    const browser = fakeBrowser();
    const a = createSharedClient({ url: gw.url, token: 'opaque', platform: browser.tab().platform, environment: fakeEnvironment().env });
    const b = createSharedClient({ url: gw.url, token: 'opaque', platform: browser.tab().platform, environment: fakeEnvironment().env });
    await advance(50);
    expect(gw.live()).toHaveLength(2);
    expect([a.getSnapshot().sharing, b.getSnapshot().sharing]).toEqual(['leader', 'leader']);
    a.close();
    b.close();
    s.cleanup();
  });

  it('the leader leaves (pagehide) in the middle of a call: a follower leads at once and the call settles once, with its id', async () => {
    const s = setup();
    let runs = 0;
    s.gw.method('slow', async (_p, conn) => {
      runs++;
      // The leader's socket goes away before answering; the new leader's resend is answered.
      if (conn === s.gw.conns[0]) return new Promise(() => {});
      return { ok: true };
    });
    const [leader, follower] = [s.open('ann'), s.open('ann')];
    await advance(50);
    const settled: unknown[] = [];
    void follower.client.call('slow', {}).then((v) => settled.push(v), (e: unknown) => settled.push(e));
    await advance(20);
    leader.tab.hide();
    await advance(50);
    expect(follower.client.getSnapshot()).toMatchObject({ sharing: 'leader', state: 'connected' });
    await advance(500);
    expect(settled).toEqual([{ ok: true }]);
    const ids = s.gw.sent('slow').map((f) => f.id);
    expect(ids).toHaveLength(2);
    expect(ids[1]).toBe(ids[0]);
    expect(runs).toBe(2); // the real gateway answers the resend from its record; this fake runs it again
    expect(s.gw.live()).toHaveLength(1);
    s.cleanup();
  });

  it('a hung leader: a follower asks after 1 s and takes over after about 2 s of silence, not before', async () => {
    const s = setup();
    const [leader, follower] = [s.open('ann'), s.open('ann')];
    await advance(50);
    leader.tab.freeze();
    await advance(1900);
    expect(follower.client.getSnapshot().sharing).toBe('follower');
    await advance(1200);
    expect(follower.client.getSnapshot()).toMatchObject({ sharing: 'leader' });
    await advance(100);
    expect(follower.client.getSnapshot().state).toBe('connected');
    // The old leader runs again: its lock was stolen, so it follows.
    leader.tab.freeze(false);
    await advance(2000);
    expect(leader.client.getSnapshot().sharing).toBe('follower');
    expect(s.gw.live()).toHaveLength(1);
    s.cleanup();
  });

  it('a slow but live leader (a background tab answering late) keeps the lead', async () => {
    const s = setup();
    const [leader, follower] = [s.open('ann'), s.open('ann')];
    await advance(50);
    // Silent for 1.5 s (throttled timers), then it answers the follower's question.
    leader.tab.freeze();
    await advance(1500);
    leader.tab.freeze(false);
    await advance(5000);
    expect([leader.client.getSnapshot().sharing, follower.client.getSnapshot().sharing]).toEqual(['leader', 'follower']);
    expect(s.gw.conns).toHaveLength(1);
    s.cleanup();
  });

  it('notifications reach every tab once; a one-tab listener plays in one tab, the one looked at last', async () => {
    const s = setup();
    const tabs = [s.open('ann'), s.open('ann'), s.open('ann')];
    await advance(50);
    const got = tabs.map(() => [] as string[]);
    const ones = tabs.map(() => [] as string[]);
    tabs.forEach(({ client }, i) => {
      client.on('notification', (n) => got[i]!.push(n.type));
      client.on('notification', (n) => ones[i]!.push(n.type), { oneTab: true });
    });
    tabs[1]!.tab.focus();
    await advance(20);
    s.gw.notify('ann', 'hello');
    s.gw.notify('ann', 'again');
    await advance(50);
    expect(got).toEqual([['hello', 'again'], ['hello', 'again'], ['hello', 'again']]);
    expect(ones).toEqual([[], ['hello', 'again'], []]);
    s.cleanup();
  });

  it('a room shown in three tabs is one join, and one leave after the last tab leaves it', async () => {
    const s = setup();
    const tabs = [s.open('ann'), s.open('ann'), s.open('ann')];
    await advance(50);
    const joins = Promise.all(tabs.map(({ client }) => client.room('lobby').join()));
    await advance(50);
    await joins;
    expect(s.gw.sent('rooms.join')).toHaveLength(1);
    const got = tabs.map(() => [] as unknown[]);
    tabs.forEach(({ client }, i) => client.room('lobby').on('message', (m) => got[i]!.push(m.data)));
    s.gw.toRoom('lobby', 'say', 'hi');
    await advance(50);
    expect(got).toEqual([['hi'], ['hi'], ['hi']]);
    tabs[0]!.client.room('lobby').leave();
    tabs[1]!.client.room('lobby').leave();
    await advance(50);
    expect(s.gw.sent('rooms.leave')).toHaveLength(0);
    tabs[2]!.client.room('lobby').leave();
    await advance(50);
    expect(s.gw.sent('rooms.leave')).toHaveLength(1);
    s.cleanup();
  });

  it('setToken of another user in one tab moves every tab to that user; close() closes every tab', async () => {
    const s = setup();
    const tabs = [s.open('ann'), s.open('ann')];
    await advance(50);
    tabs[1]!.client.setToken(tokenOf('bob'));
    // Every tab, the one that joins the new group late included, shows the new user at once (not at the hub's next beat).
    await advance(200);
    for (const { client } of tabs) expect(client.getSnapshot()).toMatchObject({ state: 'connected', user: 'bob' });
    expect(s.gw.live().map((c) => c.user)).toEqual(['bob']);
    tabs[0]!.client.close();
    await advance(50);
    for (const { client } of tabs) expect(client.getSnapshot().state).toBe('closed');
    expect(s.gw.live()).toHaveLength(0);
    s.cleanup();
  });

  it('after another tab switched the user, a tab whose token is a function still refreshes with it', async () => {
    const s = setup();
    let session = tokenFor('ann');
    const first = s.browser.tab();
    const a = createSharedClient({ url: s.gw.url, token: () => session, platform: first.platform, environment: fakeEnvironment().env });
    s.clients.push(a);
    await advance(50);
    const b = s.open('ann');
    await advance(50);
    expect(a.getSnapshot().sharing).toBe('leader');
    // The app signs in as bob in tab b; its session now gives bob's tokens to every tab's function.
    const bobs = [tokenFor('bob'), jwt({ sub: 'bob', exp: Math.floor(Date.parse('2027-06-01') / 1000) })];
    session = bobs[1]!;
    b.client.setToken(bobs[0]!);
    await advance(200);
    b.tab.hide();
    await advance(200);
    expect(a.getSnapshot()).toMatchObject({ sharing: 'leader', state: 'connected', user: 'bob' });
    s.gw.last.send({ jsonrpc: '2.0', method: 'token.expiring', params: { inMs: 60_000 } });
    await advance(100);
    expect(s.gw.sent('auth.refresh').at(-1)?.params).toEqual({ token: bobs[1] });
    s.cleanup();
  });
});

/**
 * One connection shared by the tabs of a browser (`tether-rpc/shared`), in real Chromium:
 * several pages of one browser context, a real gateway and worker (embedded broker), counts
 * taken at the gateway (`connections`) and in each page (deliveries, settles).
 */
import { expect, test } from '@playwright/test';
import { startSharedSystem, type SharedSystem } from './support/shared-system.ts';
import { COUNT_FRAMES, framesSent, leaderOf, openTabs, settles, snapshot, startCall } from './support/tabs.ts';

let sys: SharedSystem;
test.beforeAll(async () => {
  sys = await startSharedSystem();
});
test.afterAll(async () => sys?.stop());

test('three tabs of one user hold one connection at the gateway; another user gets their own', async ({ context }) => {
  const pages = await openTabs(sys, context, 3, 'ann');
  const roles = await Promise.all(pages.map(async (p) => (await snapshot(p)).sharing));
  expect(roles.sort()).toEqual(['follower', 'follower', 'leader']);
  await expect.poll(() => sys.connections()).toBe(1);
  const [bob] = await openTabs(sys, context, 1, 'bob');
  expect((await snapshot(bob!)).sharing).toBe('leader');
  await expect.poll(() => sys.connections()).toBe(2);
});

test('the leader closed in the middle of a call: a follower takes over and the call settles once, run once', async ({ context }) => {
  const pages = await openTabs(sys, context, 3, `cal-${Date.now()}`);
  const leader = await leaderOf(pages);
  const follower = pages.find((p) => p !== leader)!;
  const key = `k-${Date.now()}`;
  await startCall(follower, key, 1500);
  await expect.poll(() => sys.runs(key)).toBe(1);
  const closed = Date.now();
  await leader.close();
  const rest = pages.filter((p) => p !== leader);
  await expect.poll(async () => (await Promise.all(rest.map(snapshot))).filter((s) => s.sharing === 'leader').length).toBe(1);
  const takeover = Date.now() - closed;
  await expect.poll(() => settles(follower, key), { timeout: 10_000 }).toHaveLength(1);
  expect(await settles(follower, key)).toEqual([{ ok: { runs: 1 } }]);
  await new Promise((r) => setTimeout(r, 500));
  expect(await settles(follower, key)).toHaveLength(1);
  expect(sys.runs(key)).toBe(1);
  await expect.poll(() => sys.connections()).toBe(1);
  console.log(`leader closed: new leader after ${takeover} ms; the call settled once, ran once`);
  expect(takeover).toBeLessThan(2000);
});

test('a hung leader: a follower takes over within about 2 s, and the tab follows once it runs again', async ({ context }) => {
  const pages = await openTabs(sys, context, 2, `hung-${Date.now()}`);
  const leader = await leaderOf(pages);
  const follower = pages.find((p) => p !== leader)!;
  // The leader's page runs nothing for 5 s (a busy script, or a page the browser stopped): no beats, no answers.
  const hung = Date.now();
  const busy = leader.evaluate(() => {
    const end = Date.now() + 5000;
    while (Date.now() < end);
  });
  const key = `h-${Date.now()}`;
  await startCall(follower, key, 10);
  await expect.poll(async () => (await snapshot(follower)).sharing, { timeout: 10_000, intervals: [100] }).toBe('leader');
  const takeover = Date.now() - hung;
  await expect.poll(() => settles(follower, key), { timeout: 10_000 }).toEqual([{ ok: { runs: 1 } }]);
  await busy;
  await expect.poll(async () => (await snapshot(leader)).sharing).toBe('follower');
  await expect.poll(() => sys.connections(), { timeout: 10_000 }).toBe(1);
  expect(await settles(follower, key)).toHaveLength(1);
  console.log(`leader hung: a follower led after ${takeover} ms`);
  expect(takeover).toBeLessThan(3500);
});

test('notifications and broadcasts reach every tab once; a one-tab listener plays in one tab', async ({ context }) => {
  const user = `ntf-${Date.now()}`;
  const pages = await openTabs(sys, context, 3, user);
  const types = Array.from({ length: 20 }, (_, i) => `n${i}`);
  for (const type of types) await sys.notify(user, type);
  await sys.broadcast(`b-${user}`);
  for (const p of pages) {
    await expect.poll(() => p.evaluate(() => (window as any).t.notifications.length)).toBe(20);
    expect(await p.evaluate(() => (window as any).t.notifications)).toEqual(types);
    await expect.poll(() => p.evaluate((u) => (window as any).t.broadcasts.filter((b: string) => b === `b-${u}`).length, user)).toBe(1);
  }
  const ones = await Promise.all(pages.map((p) => p.evaluate(() => (window as any).t.ones as string[])));
  expect(ones.flat().sort()).toEqual([...types].sort());
  expect(ones.filter((o) => o.length > 0)).toHaveLength(1);
});

test('a room shown in three tabs is one join on the wire, and one leave after the last', async ({ context }) => {
  await context.addInitScript(COUNT_FRAMES);
  const user = `room-${Date.now()}`;
  const pages = await openTabs(sys, context, 3, user);
  const room = `r-${Date.now()}`;
  for (const p of pages) await p.evaluate((r) => (window as any).t.client.room(r).join(), room);
  expect(await framesSent(pages, 'rooms.join')).toBe(1);
  for (const p of pages) {
    await p.evaluate((r) => {
      const w = window as any;
      w.got = [];
      w.t.client.room(r).on('message', (m: { event: string }) => w.got.push(m.event));
    }, room);
    await expect.poll(() => p.evaluate((r) => (window as any).t.client.room(r).getSnapshot().members, room)).toEqual([user]);
  }
  await sys.toRoom(room, 'hello');
  for (const p of pages) await expect.poll(() => p.evaluate(() => (window as any).got)).toEqual(['hello']);
  await pages[0]!.evaluate((r) => (window as any).t.client.room(r).leave(), room);
  await pages[1]!.evaluate((r) => (window as any).t.client.room(r).leave(), room);
  await sys.toRoom(room, 'still');
  await expect.poll(() => pages[2]!.evaluate(() => (window as any).got)).toEqual(['hello', 'still']);
  expect(await framesSent(pages, 'rooms.leave')).toBe(0);
  await pages[2]!.evaluate((r) => (window as any).t.client.room(r).leave(), room);
  await expect.poll(() => framesSent(pages, 'rooms.leave')).toBe(1);
  expect(await pages[0]!.evaluate(() => (window as any).got)).toEqual(['hello']);
});

test('setToken of another user moves every tab to that user; close() closes every tab', async ({ context }) => {
  const pages = await openTabs(sys, context, 2, `sw-a-${Date.now()}`);
  const bob = `sw-b-${Date.now()}`;
  const token = await sys.token(bob);
  await pages[1]!.evaluate((t) => (window as any).t.client.setToken(t), token);
  for (const p of pages) await expect.poll(() => p.evaluate(() => (window as any).t.client.getSnapshot().user)).toBe(bob);
  await expect.poll(() => sys.connections()).toBe(1);
  await sys.notify(bob, 'for-bob');
  for (const p of pages) await expect.poll(() => p.evaluate(() => (window as any).t.notifications)).toContain('for-bob');
  await pages[0]!.evaluate(() => (window as any).t.client.close());
  for (const p of pages) await expect.poll(async () => (await snapshot(p)).state).toBe('closed');
  await expect.poll(() => sys.connections()).toBe(0);
});

test('with a SharedWorker, the connection lives in the worker: one connection, calls and events in every tab', async ({ context }) => {
  const user = `wk-${Date.now()}`;
  const pages = await openTabs(sys, context, 3, user, { worker: '1' });
  for (const p of pages) expect((await snapshot(p)).sharing).toBe('worker');
  await expect.poll(() => sys.connections()).toBe(1);
  const key = `wk-${Date.now()}`;
  await startCall(pages[1]!, key, 800);
  await expect.poll(() => sys.runs(key)).toBe(1);
  const closed = Date.now();
  await pages[0]!.close();
  await expect.poll(() => settles(pages[1]!, key), { timeout: 20_000 }).toEqual([{ ok: { runs: 1 } }]);
  console.log(`settled ${Date.now() - closed} ms after the close`);
  await sys.notify(user, 'via-worker');
  for (const p of pages.slice(1)) await expect.poll(() => p.evaluate(() => (window as any).t.notifications)).toEqual(['via-worker']);
  expect(await sys.connections()).toBe(1);
});

test('a reloaded page resumes from where it was: what was published during the reload arrives once', async ({ context }) => {
  const runs: Record<string, { plain?: string; persist?: string }> = {
    'createClient, persist': { plain: '1', persist: 'session' },
    'createSharedClient, persist': { persist: 'session' },
    // The control: without persist, the reloaded page starts at the tip and misses what came meanwhile.
    'createClient, no persist': { plain: '1' },
  };
  for (const [name, mode] of Object.entries(runs)) {
    const user = `rl-${Date.now()}`;
    const page = await context.newPage();
    const seen: string[] = [];
    await page.exposeBinding('record', (_src, type: string) => void seen.push(type));
    await page.addInitScript(() => {
      const wait = setInterval(() => {
        const t = (window as any).t;
        if (!t) return;
        clearInterval(wait);
        t.client.on('notification', (e: { type: string }) => (window as any).record(e.type));
      }, 1);
    });
    const connected = async () => {
      await expect.poll(() => page.evaluate(() => typeof (window as any).go)).toBe('function');
      await page.evaluate(() => (window as any).go());
      await expect.poll(async () => (await snapshot(page)).state).toBe('connected');
    };
    const publish = async (from: number, to: number) => {
      for (let i = from; i < to; i++) await sys.notify(user, `m${i}`);
    };
    await page.goto(await sys.pageUrl(user, { ...mode, hold: '1' }));
    await connected();
    await publish(0, 10);
    await expect.poll(() => seen.length).toBe(10);
    await page.reload();
    await publish(10, 20); // while the reloaded page has no connection yet
    await connected();
    await publish(20, 30);
    const expected = Array.from({ length: 30 }, (_, i) => `m${i}`).filter((_, i) => mode.persist || i < 10 || i >= 20);
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(expected.length);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual(expected);
    expect(await page.evaluate(() => (window as any).t.gaps)).toEqual([]);
    console.log(`reload, ${name}: 30 published, ${seen.length} received, each once`);
    await page.close();
  }
});

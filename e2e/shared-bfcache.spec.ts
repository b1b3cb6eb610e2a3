/**
 * The back/forward cache and the shared connection, in real Chromium with the cache on
 * (Playwright turns it off by default): a leader that leaves hands the lead over at \`pagehide\`,
 * and a page restored from the cache comes back as a follower of the same connection.
 */
import { expect, test } from '@playwright/test';
import { startSharedSystem, type SharedSystem } from './support/shared-system.ts';
import { leaderOf, openTabs, settles, snapshot, startCall } from './support/tabs.ts';

test.use({
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    ignoreDefaultArgs: ['--disable-back-forward-cache'],
  },
});

let sys: SharedSystem;
test.beforeAll(async () => {
  sys = await startSharedSystem();
});
test.afterAll(async () => sys?.stop());

test('pagehide hands over the lead, and a page back from the back/forward cache follows', async ({ context }) => {
  const user = `bf-${Date.now()}`;
  const pages = await openTabs(sys, context, 2, user);
  const leader = await leaderOf(pages);
  const other = pages.find((p) => p !== leader)!;
  const away = Date.now();
  await leader.goto(`${sys.base}/tab-elsewhere`);
  await expect.poll(async () => (await snapshot(other)).sharing, { intervals: [50] }).toBe('leader');
  const handover = Date.now() - away;
  await expect.poll(() => sys.connections()).toBe(1);
  await leader.goBack({ waitUntil: 'commit' });
  const restored = await leader.evaluate(() => (window as any).t.shows.includes(true));
  await expect.poll(async () => snapshot(leader)).toEqual({ state: 'connected', sharing: 'follower' });
  const key = `bf-${Date.now()}`;
  await startCall(leader, key, 10);
  await expect.poll(() => settles(leader, key)).toEqual([{ ok: { runs: 1 } }]);
  await expect.poll(() => sys.connections()).toBe(1);
  console.log(`pagehide: new leader after ${handover} ms; back/forward cache restore: ${restored}`);
  expect(restored).toBe(true);
  expect(handover).toBeLessThan(1000);
});


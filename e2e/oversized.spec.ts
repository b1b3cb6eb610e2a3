/**
 * A call that can never be delivered fails once, in real Chromium against a real gateway with a
 * small frame limit: the client learns the limit from the auth result, rejects an oversized call
 * at once with -32006 without sending it, stays connected, and the calls behind it go through.
 * Counted: frames of the method on the page's WebSockets, settles per call, connections and
 * reconnects. The same through a follower tab of a shared connection.
 */
import { expect, test, type Page } from '@playwright/test';
import { startSharedSystem, type SharedSystem } from './support/shared-system.ts';
import { COUNT_FRAMES, framesSent, leaderOf, openTabs } from './support/tabs.ts';

const LIMIT = 4096;
let sys: SharedSystem;
test.beforeAll(async () => {
  sys = await startSharedSystem({ maxFrameBytes: LIMIT });
});
test.afterAll(async () => sys?.stop());

/** Make an echo call of `bytes` characters in `page`; how it settled (every settle), and how long it took. */
const echo = (page: Page, bytes: number) =>
  page.evaluate(async (bytes) => {
    const settled: unknown[] = [];
    const started = performance.now();
    await (window as any).t.client.call('test.echo', { text: 'x'.repeat(bytes) }, { timeoutMs: 10_000 }).then(
      (v: { text: string }) => settled.push({ ok: v.text.length }),
      (e: { name: string; code?: number }) => settled.push({ error: e.name, code: e.code }),
    );
    const ms = performance.now() - started;
    await new Promise((r) => setTimeout(r, 300)); // a second settle would show here
    return { settled, ms };
  }, bytes);

test('an oversized call fails at once with -32006, is never sent, and the next call works (one tab)', async ({ context }) => {
  await context.addInitScript(COUNT_FRAMES);
  const [page] = await openTabs(sys, context, 1, `big-${Date.now()}`, { plain: '1' });
  const big = await echo(page!, 3 * LIMIT);
  expect(big.settled).toEqual([{ error: 'RpcError', code: -32006 }]);
  expect(await framesSent([page!], 'test.echo')).toBe(0);
  const small = await echo(page!, 100);
  expect(small.settled).toEqual([{ ok: 100 }]);
  expect(await framesSent([page!], 'test.echo')).toBe(1);
  // Multi-byte text counts in UTF-8 bytes: 2,100 × 'é' is 2,100 characters but 4,200 bytes.
  const accents = await page!.evaluate(() =>
    (window as any).t.client.call('test.echo', { text: 'é'.repeat(2100) }).then(
      () => 'ok',
      (e: { code: number }) => e.code,
    ),
  );
  expect(accents).toBe(-32006);
  const states: string[] = await page!.evaluate(() => (window as any).t.states);
  expect(states).not.toContain('reconnecting');
  expect(await sys.connections()).toBe(1);
  console.log(`oversized call: settled once in ${big.ms.toFixed(1)} ms, 0 frames sent; next call ok; states ${states.join(' → ')}`);
  expect(big.ms).toBeLessThan(100);
});

test('the same through a follower tab of a shared connection: it fails once, the leader sends nothing', async ({ context }) => {
  await context.addInitScript(COUNT_FRAMES);
  const pages = await openTabs(sys, context, 2, `bigshared-${Date.now()}`);
  const leader = await leaderOf(pages);
  const follower = pages.find((p) => p !== leader)!;
  const big = await echo(follower, 3 * LIMIT);
  expect(big.settled).toEqual([{ error: 'RpcError', code: -32006 }]);
  expect(await framesSent(pages, 'test.echo')).toBe(0);
  expect((await echo(follower, 100)).settled).toEqual([{ ok: 100 }]);
  expect(await framesSent(pages, 'test.echo')).toBe(1);
  expect(await sys.connections()).toBe(1);
  console.log(`oversized call through a follower: settled once in ${big.ms.toFixed(1)} ms, 0 frames sent`);
});

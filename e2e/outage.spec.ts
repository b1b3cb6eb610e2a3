/**
 * Outages against the real system, for each demo page: every test starts its OWN system(s)
 * (`server-mock/cli/start.ts` on Redis, under a unique prefix) so it can kill them without
 * disturbing anything else, and stops exactly what it started.
 */
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import type { Page } from '@playwright/test';
import { freePort, runCli } from '../server-mock/testing/processes.ts';
import { API_KEY, call, dropKeys, expect, join, openDemo, REDIS_URL, shot, test, uid, type DemoKind } from './fixtures.ts';

type Child = ChildProcess & { output: () => string };

/** What one test started: killed (SIGKILL) and its Redis keys dropped at the end. */
class Processes {
  readonly children = new Set<Child>();
  readonly prefixes = new Set<string>();
  async run(cli: 'start' | 'gateway', env: Record<string, string>): Promise<Child> {
    this.prefixes.add(env.PREFIX!);
    const child = await runCli(cli, { REDIS_URL, API_KEY, ...env });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }
  async kill(child: Child) {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
  async stop() {
    await Promise.all([...this.children].map((c) => this.kill(c)));
    for (const prefix of this.prefixes) await dropKeys(prefix).catch(() => {});
  }
}


/** `orders.runs` is not in the pages' method list: ask the page's client directly (`window.tether`). */
const runs = (page: Page) =>
  page.evaluate(async () => {
    const client = window.tether as { call: (m: string, p?: unknown) => Promise<{ runs: number }> };
    return (await client.call('orders.runs', {})).runs;
  });

const http = (port: number) => `http://127.0.0.1:${port}`;
const ORDER = '{"sku":"X","qty":1}';

for (const kind of ['plain', 'react', 'vue'] as DemoKind[]) {
  test.describe(`${kind} outages`, () => {
    test('a killed and restarted gateway: reconnects, runs the queued call once, replays the room', async ({ page }, testInfo) => {
      test.setTimeout(60_000);
      const procs = new Processes();
      try {
        const [port, pubPort] = await Promise.all([freePort(), freePort()]);
        const prefix = `e2e-out-${uid()}:`;
        const env = { PORT: String(port), PREFIX: prefix };
        // A second, separate gateway on the same Redis prefix: the way to publish while the page's gateway is down.
        const [system] = await Promise.all([
          procs.run('start', env),
          procs.run('gateway', { PORT: String(pubPort), PREFIX: prefix, JWT_SECRET: randomBytes(32).toString('hex'), PUBLIC_ROOMS: '*' }),
        ]);
        const user = `u-${uid()}`;
        const room = `room-${uid()}`;
        await openDemo(page, http(port), kind, user);
        await join(page, room, user);

        await procs.kill(system);
        await expect(page.getByTestId('state')).toHaveAttribute('data-state', /^(reconnecting|connecting)$/, { timeout: 10_000 });
        await call(page, 'orders.create', ORDER, 20_000);
        const result = page.getByTestId('result');
        await expect(page.getByTestId('retry')).toContainText('1 queued');
        await expect(result).not.toContainText('total');
        const res = await fetch(`${http(pubPort)}/api/publish`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'X-API-Key': API_KEY },
          body: JSON.stringify({ room, event: 'chat', data: { from: 'ops', text: 'during outage' } }),
        });
        expect(res.status, await res.text()).toBeLessThan(300);
        await shot(page, testInfo, `${kind}-gateway-down.png`);

        await procs.run('start', env); // same port, same prefix
        await expect(page.getByTestId('state')).toHaveAttribute('data-state', 'connected', { timeout: 15_000 });
        await expect(result).toContainText('"total"', { timeout: 15_000 });
        await expect(result).not.toHaveClass(/error/);
        expect(await runs(page)).toBe(1);
        await expect(page.getByTestId('messages')).toContainText('during outage', { timeout: 10_000 });
        await expect(page.getByTestId('messages').locator('li', { hasText: 'during outage' })).toHaveCount(1);
        // The timeline tells the call's story, and why the connection went.
        const timeline = page.getByTestId('timeline');
        await expect(timeline.locator('li[data-kind=call]', { hasText: 'orders.create' }).first()).toContainText(
          /queued \((reconnecting|connecting)\) → sent after reconnect → answered in \d/,
        );
        await expect(timeline.locator('li[data-kind=state]', { hasText: /^.*reconnecting: connection dropped \(1006\)/ }).first()).toBeVisible();
        await shot(page, testInfo, `${kind}-gateway-back.png`);
      } finally {
        await procs.stop();
      }
    });

    test('a server restarted without its streams (embedded broker): one "missed" line, a gap per stream in the timeline', async ({ page }, testInfo) => {
      test.setTimeout(60_000);
      const procs = new Processes();
      try {
        const port = await freePort();
        // No Redis: the restarted server's broker is a new one, and cannot replay what the old one held.
        const env = { PORT: String(port), PREFIX: `e2e-out-${uid()}:`, REDIS_URL: '' };
        const system = await procs.run('start', env);
        const user = `u-${uid()}`;
        await openDemo(page, http(port), kind, user);
        await page.getByTestId('publish').click();
        await expect(page.getByTestId('notifications').locator('li', { hasText: 'Hello #1' })).toHaveCount(1);

        await procs.kill(system);
        await expect(page.getByTestId('state')).toHaveAttribute('data-state', /^(reconnecting|connecting)$/, { timeout: 10_000 });
        await procs.run('start', env);
        await expect(page.locator('[data-testid=state][data-state=connected]')).toHaveText(`connected as ${user}`, { timeout: 15_000 });
        const timeline = page.getByTestId('timeline');
        await expect(timeline.locator('li[data-kind=gap]', { hasText: 'your notifications' })).toHaveCount(1);
        await expect(timeline.locator('li[data-kind=gap]', { hasText: 'broadcasts' })).toHaveCount(1);
        await page.waitForTimeout(500);
        await expect(page.getByTestId('notifications').locator('li', { hasText: 'missed' })).toHaveCount(1);
        await expect(page.getByTestId('notifications')).not.toContainText('null');
        await shot(page, testInfo, `${kind}-gap.png`);
      } finally {
        await procs.stop();
      }
    });

    test('offline: no connection, the call waits; online: reconnects at once and the call resolves', async ({ page }, testInfo) => {
      const procs = new Processes();
      try {
        const port = await freePort();
        await procs.run('start', { PORT: String(port), PREFIX: `e2e-out-${uid()}:` });
        await openDemo(page, http(port), kind, `u-${uid()}`);

        await page.context().setOffline(true);
        await expect(page.getByTestId('state')).toHaveAttribute('data-state', 'offline', { timeout: 5_000 });
        await call(page, 'orders.create', ORDER, 20_000);
        await expect(page.getByTestId('retry')).toContainText('1 queued');
        await page.waitForTimeout(1_000);
        const result = page.getByTestId('result');
        await expect(result).not.toContainText('total');
        await expect(page.getByTestId('state')).toHaveAttribute('data-state', 'offline');
        await shot(page, testInfo, `${kind}-offline.png`);

        await page.context().setOffline(false);
        await expect(page.getByTestId('state')).toHaveAttribute('data-state', 'connected', { timeout: 3_000 });
        await expect(result).toContainText('"total"', { timeout: 5_000 });
        await expect(result).not.toHaveClass(/error/);
        await expect(page.getByTestId('retry')).not.toContainText('queued');
        await shot(page, testInfo, `${kind}-back-online.png`);
      } finally {
        await page.context().setOffline(false).catch(() => {});
        await procs.stop();
      }
    });

    test('a short-lived token is refreshed on the live socket: the page never leaves connected', async ({ page }, testInfo) => {
      const procs = new Processes();
      try {
        const port = await freePort();
        const system = await procs.run('start', { PORT: String(port), PREFIX: `e2e-out-${uid()}:`, TOKEN_EXPIRING_MS: '3000' });
        let tokens = 0;
        await page.route('**/dev/token*', async (route) => {
          const url = new URL(route.request().url());
          url.searchParams.set('ttl', '6');
          tokens++;
          await route.continue({ url: url.toString() });
        });
        await openDemo(page, http(port), kind, `u-${uid()}`);

        const before = tokens;
        await page.evaluate(() => {
          const seen: string[] = [];
          (window as unknown as { seen: string[] }).seen = seen;
          const client = window.tether as { getSnapshot: () => { state: string }; subscribe: (fn: () => void) => () => void };
          client.subscribe(() => seen.push(client.getSnapshot().state));
          const badge = () => document.querySelector('[data-testid=state]')?.getAttribute('data-state') ?? 'missing';
          new MutationObserver(() => seen.push(badge())).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
          setInterval(() => seen.push(badge(), client.getSnapshot().state), 50);
        });
        await page.waitForTimeout(9_000);
        const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
        expect(seen.length).toBeGreaterThan(100);
        expect([...new Set(seen)]).toEqual(['connected']);
        // At least two refreshes happened in the window (6 s tokens, token.expiring 3 s before exp)...
        expect(tokens - before).toBeGreaterThanOrEqual(2);
        // ...and the gateway never closed the connection for an expired token.
        expect(system.output()).not.toContain('token expired');
        await call(page, 'orders.create', ORDER, 5_000);
        await expect(page.getByTestId('result')).toContainText('"total"');
        await shot(page, testInfo, `${kind}-token-refreshed.png`);
      } finally {
        await procs.stop();
      }
    });

    test('two gateways, one room: messages and members cross between them', async ({ browser }, testInfo) => {
      const procs = new Processes();
      const contexts = await Promise.all([browser.newContext(), browser.newContext()]);
      try {
        const [port1, port2] = await Promise.all([freePort(), freePort()]);
        const prefix = `e2e-out-${uid()}:`;
        await Promise.all([procs.run('start', { PORT: String(port1), PREFIX: prefix }), procs.run('start', { PORT: String(port2), PREFIX: prefix })]);
        const [u1, u2] = [`g1-${uid()}`, `g2-${uid()}`];
        const room = `room-${uid()}`;
        const [p1, p2] = await Promise.all([contexts[0].newPage(), contexts[1].newPage()]);
        await Promise.all([openDemo(p1, http(port1), kind, u1), openDemo(p2, http(port2), kind, u2)]);
        await join(p1, room, u1);
        await join(p2, room, u2);
        for (const p of [p1, p2]) {
          await expect(p.getByTestId('members')).toContainText(u1, { timeout: 10_000 });
          await expect(p.getByTestId('members')).toContainText(u2, { timeout: 10_000 });
        }
        const one = `from one ${uid()}`;
        await p1.getByTestId('text').fill(one);
        await p1.getByTestId('send').click();
        await expect(p2.getByTestId('messages')).toContainText(one);
        const two = `from two ${uid()}`;
        await p2.getByTestId('text').fill(two);
        await p2.getByTestId('send').click();
        await expect(p1.getByTestId('messages')).toContainText(two);
        await expect(p1.getByTestId('messages')).toContainText(u2);
        await expect(p2.getByTestId('messages')).toContainText(u1);
        await shot(p1, testInfo, `${kind}-gateway1.png`);
        await shot(p2, testInfo, `${kind}-gateway2.png`);
      } finally {
        await Promise.all(contexts.map((c) => c.close()));
        await procs.stop();
      }
    });
  });
}

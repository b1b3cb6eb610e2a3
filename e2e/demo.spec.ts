/**
 * The three demo pages (plain, React, Vue) against the real system (`npm start` with Redis,
 * one per worker, see `fixtures.ts`): the same specs for each page.
 */
import { call, demoPath, expect, join, shot, test, uid, type DemoKind } from './fixtures.ts';


for (const kind of ['plain', 'react', 'vue'] as DemoKind[]) {
  test.describe(kind, () => {
    test('connects, authenticates and shows the result of orders.create', async ({ page, openDemo }, testInfo) => {
      const user = `u-${uid()}`;
      await openDemo(page, kind, user);
      await call(page, 'orders.create', undefined); // the page's default params
      const result = page.getByTestId('result');
      await expect(result).toContainText('"total"');
      await expect(result).toContainText(`"user": "${user}"`);
      await expect(result).not.toHaveClass(/error/);
      await shot(page, testInfo, `${kind}-result.png`);
    });

    test('shows field errors, application errors and deadlines', async ({ page, openDemo }, testInfo) => {
      await openDemo(page, kind, `u-${uid()}`);
      const result = page.getByTestId('result');

      await call(page, 'orders.create', '{"sku": "", "qty": 0}');
      await expect(result).toContainText('-32602');
      await expect(result).toContainText('sku');
      await expect(result).toContainText('qty');
      await expect(result).toHaveClass(/error/);

      await call(page, 'demo.fail', '');
      await expect(result).toContainText('This method fails on purpose');

      await call(page, 'demo.slow', '{"ms": 3000}', 500);
      await expect(result).toContainText('TimeoutError', { timeout: 5_000 });
      await shot(page, testInfo, `${kind}-errors.png`);
    });

    test("a notification reaches both of the user's pages and no one else", async ({ browser, openDemo, publish }, testInfo) => {
      const a = `a-${uid()}`;
      const b = `b-${uid()}`;
      const ctxA = await browser.newContext();
      const ctxB = await browser.newContext();
      try {
        const [a1, a2, b1] = await Promise.all([ctxA.newPage(), ctxA.newPage(), ctxB.newPage()]);
        await Promise.all([openDemo(a1, kind, a), openDemo(a2, kind, a), openDemo(b1, kind, b)]);

        const message = `hi ${a}`;
        await publish({ user: a, type: 'hello', message });
        for (const p of [a1, a2]) {
          await expect(p.getByTestId('notifications').locator('li', { hasText: message })).toHaveCount(1);
        }
        await b1.waitForTimeout(500);
        await expect(b1.getByTestId('notifications').locator('li', { hasText: message })).toHaveCount(0);
        await shot(a1, testInfo, `${kind}-notification.png`);
      } finally {
        await ctxA.close();
        await ctxB.close();
      }
    });

    test('room messages reach members only, stop after leaving, and presence lists members', async ({ browser, openDemo }, testInfo) => {
      const room = `room-${uid()}`;
      const [u1, u2, u3] = [`m1-${uid()}`, `m2-${uid()}`, `out-${uid()}`];
      const contexts = await Promise.all([browser.newContext(), browser.newContext(), browser.newContext()]);
      try {
        const [p1, p2, p3] = await Promise.all([contexts[0].newPage(), contexts[1].newPage(), contexts[2].newPage()]);
        await Promise.all([openDemo(p1, kind, u1), openDemo(p2, kind, u2), openDemo(p3, kind, u3)]);

        await join(p1, room, u1);
        await join(p2, room, u2);
        for (const p of [p1, p2]) {
          await expect(p.getByTestId('members')).toContainText(u1);
          await expect(p.getByTestId('members')).toContainText(u2);
        }
        await expect(p1.getByTestId('members')).not.toContainText(u3);

        const hello = `hello ${uid()}`;
        await p1.getByTestId('text').fill(hello);
        await p1.getByTestId('send').click();
        await expect(p2.getByTestId('messages')).toContainText(hello);
        await expect(p2.getByTestId('messages')).toContainText(u1);
        await shot(p2, testInfo, `${kind}-room.png`);

        // p2 leaves; p1 must drop it from the members, and p2 sees no further messages.
        await p2.getByTestId('leave').click();
        await expect(p1.getByTestId('members')).not.toContainText(u2, { timeout: 10_000 });
        const after = `after ${uid()}`;
        await p1.getByTestId('text').fill(after);
        await p1.getByTestId('send').click();
        await expect(p1.getByTestId('messages')).toContainText(after); // the sender is a member: it gets its own message
        await p2.waitForTimeout(500);
        await expect(p2.getByTestId('messages')).not.toContainText(after);
        // The page that never joined saw nothing at all.
        await expect(p3.getByTestId('messages')).not.toContainText(hello);
        await expect(p3.getByTestId('messages')).not.toContainText(after);
      } finally {
        await Promise.all(contexts.map((c) => c.close()));
      }
    });

    test('the publish buttons: a notification without data shows no "null", and the timeline tells the call and what arrived', async ({ page, openDemo, publish, base }, testInfo) => {
      const user = `p-${uid()}`;
      await openDemo(page, kind, user);
      const list = page.getByTestId('notifications');
      const timeline = page.getByTestId('timeline');
      await page.getByTestId('publish').click();
      await expect(list.locator('li', { hasText: 'Hello #1 from the publish button' })).toHaveCount(1);
      await expect(timeline.locator('li[data-kind=call]', { hasText: 'demo.publish' })).toContainText(/sent → answered in \d/);
      await expect(timeline.locator('li[data-kind=notification]', { hasText: 'Hello #1' })).toHaveCount(1);
      // One from the publish API too, without data or message.
      await publish({ user, type: 'bare' });
      await expect(list.locator('li', { hasText: 'bare' })).toHaveCount(1);
      await expect(list).not.toContainText('null');
      await expect(timeline.locator('li[data-kind=state]').first()).toContainText(`connected as ${user}`);

      await page.getByTestId('broadcast').click();
      await expect(page.getByTestId('banner')).toContainText('Notice #2 to everyone');
      await expect(timeline.locator('li[data-kind=broadcast]', { hasText: 'Notice #2' })).toHaveCount(1);
      // The banner lines up with the cards below it (it used to stick out past them on both sides).
      const banner = (await page.getByTestId('banner').boundingBox())!;
      const cards = await page.locator('main > section').evaluateAll((all) => all.map((el) => el.getBoundingClientRect()).map((r) => [r.left, r.right]));
      expect(Math.abs(banner.x - Math.min(...cards.map(([l]) => l!)))).toBeLessThan(1);
      expect(Math.abs(banner.x + banner.width - Math.max(...cards.map(([, r]) => r!)))).toBeLessThan(1);
      // The strip: every experiment, and "another user" opens this page as someone else.
      await expect(page.getByTestId('try-this').locator('> div')).toHaveCount(5);
      await expect(page.getByTestId('try-user').locator('a')).toHaveAttribute('href', `${base}${demoPath[kind]}?user=bob`);
      await shot(page, testInfo, `${kind}-publish.png`);
    });

    test('a reload resumes: what was published while the page reloaded arrives once, marked replayed', async ({ page, openDemo, publish }, testInfo) => {
      const user = `r-${uid()}`;
      await openDemo(page, kind, user);
      await publish({ user, type: 'before', message: `before ${user}` });
      await expect(page.getByTestId('notifications').locator('li', { hasText: 'before' })).toHaveCount(1);
      // The reloaded page waits for its token until the notification is out: it is published while no page is connected.
      let published!: () => void;
      const out = new Promise<void>((resolve) => (published = resolve));
      await page.route('**/dev/token*', async (route) => {
        await out;
        await route.continue();
      });
      await page.reload({ waitUntil: 'domcontentloaded' });
      await publish({ user, type: 'during', message: `during ${user}` });
      published();
      await expect(page.locator('[data-testid=state][data-state=connected]')).toHaveText(`connected as ${user}`, { timeout: 10_000 });
      const list = page.getByTestId('notifications');
      await expect(list.locator('li', { hasText: 'during' })).toHaveCount(1);
      await expect(page.getByTestId('timeline').locator('li[data-kind=replayed]', { hasText: 'during' })).toHaveCount(1);
      await page.waitForTimeout(500);
      await expect(list.locator('li', { hasText: 'during' })).toHaveCount(1);
      await expect(list.locator('li', { hasText: 'before' })).toHaveCount(0); // delivered before the reload: not again
      await expect(list).not.toContainText('missed');
      await shot(page, testInfo, `${kind}-reloaded.png`);
    });

    test('?share=1: two tabs, one connection; one tab leads, the other follows, both get the notification once', async ({ browser, base }, testInfo) => {
      const context = await browser.newContext();
      const connections = async () => ((await (await fetch(`${base}/health`)).json()) as { connections: number }).connections;
      try {
        const first = await context.newPage();
        await first.goto(`${base}${demoPath[kind]}?share=1&user=s-${uid()}`);
        const user = new URL(first.url()).searchParams.get('user')!;
        await expect(first.locator('[data-testid=state][data-state=connected]')).toHaveText(`connected as ${user}`, { timeout: 10_000 });
        await expect(first.getByTestId('sharing')).toHaveAttribute('data-sharing', 'leader');
        const before = await connections();
        const second = await context.newPage();
        await second.goto(first.url());
        await expect(second.locator('[data-testid=state][data-state=connected]')).toHaveText(`connected as ${user}`, { timeout: 10_000 });
        await expect(second.getByTestId('sharing')).toHaveAttribute('data-sharing', 'follower');
        await expect(second.getByTestId('sharing')).toContainText(/^this tab follows · \d+ connections? at the gateway$/, { timeout: 5_000 });
        await second.waitForTimeout(500);
        expect(await connections()).toBe(before); // the second tab added no connection

        await second.getByTestId('publish').click();
        for (const p of [first, second]) {
          await expect(p.getByTestId('notifications').locator('li', { hasText: 'Hello #1' })).toHaveCount(1);
        }
        await expect(second.getByTestId('timeline').locator('li[data-kind=notification]', { hasText: 'Hello #1' })).toHaveCount(1);
        await shot(second, testInfo, `${kind}-shared.png`);
      } finally {
        await context.close();
      }
    });

    test('a broadcast reaches every open page', async ({ browser, openDemo, publish }, testInfo) => {
      const contexts = await Promise.all([browser.newContext(), browser.newContext()]);
      try {
        // Two pages in one context (same user's tabs) and one in another.
        const pages = await Promise.all([contexts[0].newPage(), contexts[0].newPage(), contexts[1].newPage()]);
        await Promise.all(pages.map((p, i) => openDemo(p, kind, i === 0 ? 'alice' : `x${i}-${uid()}`)));
        const message = `maintenance ${uid()}`;
        await publish({ broadcast: true, type: 'notice', message });
        for (const p of pages) await expect(p.getByTestId('banner')).toContainText(message);
        const [first] = pages;
        await shot(first, testInfo, `${kind}-broadcast.png`);
      } finally {
        await Promise.all(contexts.map((c) => c.close()));
      }
    });
  });
}

/**
 * The three demo pages (plain, React, Vue) against the real system (`npm start` with Redis,
 * one per worker, see `fixtures.ts`): the same specs for each page.
 */
import { call, expect, join, shot, test, uid, type DemoKind } from './fixtures.ts';


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

/**
 * One real system per Playwright worker: `server-mock/cli/start.ts` (gateway + in-process demo
 * worker + demo pages) on a free port, backed by the local Redis under a unique key prefix.
 *
 * JWT_SECRET is deliberately NOT passed: start.ts only serves `GET /dev/token` (which all three
 * demo pages use to sign in) when it generated the secret itself; with JWT_SECRET given the
 * endpoint is a 404 and no page could ever connect.
 */
import { randomBytes } from 'node:crypto';
import { expect, test as base, type Page, type TestInfo } from '@playwright/test';
import { Redis } from 'ioredis';
import { freePort, runCli, stopAll } from '../server-mock/testing/processes.ts';

export type DemoKind = 'plain' | 'react' | 'vue';
export const demoPath: Record<DemoKind, string> = { plain: '/', react: '/react/', vue: '/vue/' };
export const API_KEY = 'e2e-key';
/** The Redis the browser tests use: `$REDIS_URL`, as the rest of `npm test`, or the local one. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Delete whatever the system left in Redis under `prefix` (streams, presence, consumer groups). */
export async function dropKeys(prefix: string) {
  const admin = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await admin.connect();
    for await (const batch of admin.scanStream({ match: `${prefix}*`, count: 1000 })) {
      const found = batch as string[];
      if (found.length > 0) await admin.del(...found);
    }
  } finally {
    admin.disconnect();
  }
}

/** A short unique suffix for user, room and message names. */
export const uid = () => randomBytes(4).toString('hex');

interface System {
  base: string;
  publish: (body: unknown) => Promise<void>;
}

type OpenDemo = (page: Page, kind: DemoKind, user: string) => Promise<void>;

export const test = base.extend<{ base: string; publish: System['publish']; openDemo: OpenDemo }, { system: System }>({
  system: [
    async ({}, use) => {
      const port = await freePort();
      const prefix = `e2e-${uid()}:`;
      const child = await runCli('start', {
        PORT: String(port),
        REDIS_URL,
        PREFIX: prefix,
        API_KEY,
      });
      const url = `http://127.0.0.1:${port}`;
      const publish = async (body: unknown) => {
        const res = await fetch(`${url}/api/publish`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'X-API-Key': API_KEY },
          body: JSON.stringify(body),
        });
        if (!res.ok) throw new Error(`publish ${res.status}: ${await res.text()}\n${child.output()}`);
      };
      try {
        await use({ base: url, publish });
      } finally {
        await stopAll();
        await dropKeys(prefix).catch(() => {});
      }
    },
    { scope: 'worker', timeout: 30_000 },
  ],
  base: async ({ system }, use) => use(system.base),
  publish: async ({ system }, use) => use(system.publish),
  openDemo: async ({ system }, use) => use((page, kind, user) => openDemo(page, system.base, kind, user)),
});

/**
 * Open a demo page as `user`: the pages start signed in as 'alice', so for anyone else fill the
 * user field and click Connect. Waits until the badge says connected AS THAT USER (the React and
 * Vue pages are already "connected" as alice when Connect is clicked).
 */
export async function openDemo(page: Page, baseUrl: string, kind: DemoKind, user: string) {
  await page.goto(baseUrl + demoPath[kind]);
  await expect(page.getByTestId('state')).toHaveAttribute('data-state', 'connected', { timeout: 10_000 });
  if (user !== 'alice') {
    await page.getByTestId('user').fill(user);
    await page.getByTestId('connect').click();
  }
  await expect(page.locator('[data-testid=state][data-state=connected]')).toHaveText(`connected as ${user}`, { timeout: 10_000 });
}

export { expect };

// ── page helpers shared by the specs ──────────────────────────────────────────

/** A full-page screenshot, kept in the test's output folder and attached to the report. */
export async function shot(page: Page, testInfo: TestInfo, name: string) {
  const path = testInfo.outputPath(name);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

/** Pick `method`, set params and deadline, click Call. */
export async function call(page: Page, method: string, params: string | undefined, timeoutMs?: number) {
  await page.getByTestId('method').selectOption(method);
  if (params !== undefined) await page.getByTestId('params').fill(params);
  if (timeoutMs !== undefined) await page.getByTestId('timeout').fill(String(timeoutMs));
  await page.getByTestId('call').click();
}

/** Join `room` and wait until `user` is listed among its members. */
export async function join(page: Page, room: string, user: string) {
  await page.getByTestId('room').fill(room);
  await page.getByTestId('join').click();
  await expect(page.getByTestId('members')).toContainText(user);
}

/**
 * `npm run screenshots`: the README's pictures of the demo pages (docs/screenshots/*.png),
 * taken in Chromium from a real `npm start` (embedded broker, a free port). Each page is
 * driven through what the timeline is for: a published notification, a room message, the
 * server stopped and started again while a call waits (the call's story and the gap after the
 * embedded broker lost its streams), a broadcast. Then two tabs sharing one connection.
 * Needs `npm run build` first (npm run screenshots runs it).
 */
import { mkdirSync } from 'node:fs';
import { chromium, expect, type Browser, type Page } from '@playwright/test';
import { freePort, runCli, stopAll } from '../server-mock/testing/processes.ts';

const out = new URL('../docs/screenshots/', import.meta.url);
const kinds = { plain: '/', react: '/react/', vue: '/vue/' } as const;
const viewport = { width: 1280, height: 1000 };

/** `npm start` on `port`, on its own: no Redis, a generated secret and key. */
const start = (port: number) => runCli('start', { PORT: String(port), REDIS_URL: '', JWT_SECRET: '', API_KEY: '', LOG_LEVEL: 'warn' });

/** Kill the server and wait until it is gone, so the next one can take its port. */
async function kill(server: Awaited<ReturnType<typeof start>>) {
  if (server.exitCode !== null || server.signalCode !== null) return;
  await new Promise((gone) => server.once('exit', gone).kill('SIGKILL'));
}

async function connected(page: Page, user = 'alice') {
  await expect(page.locator('[data-testid=state][data-state=connected]')).toHaveText(`connected as ${user}`, { timeout: 15_000 });
}

async function tour(browser: Browser, base: string, port: number, kind: keyof typeof kinds) {
  let server = await start(port);
  const context = await browser.newContext({ viewport });
  try {
    const page = await context.newPage();
    await page.goto(base + kinds[kind]);
    await connected(page);
    await page.getByTestId('publish').click();
    await expect(page.getByTestId('notifications').locator('li')).toHaveCount(1);
    await page.getByTestId('room').fill('lobby');
    await page.getByTestId('join').click();
    await expect(page.getByTestId('members')).toContainText('alice');
    await page.getByTestId('text').fill('Hello, lobby');
    await page.getByTestId('send').click();
    await expect(page.getByTestId('messages')).toContainText('Hello, lobby');

    // The server goes away while a call is made: it waits, and is sent when the server is back.
    await kill(server);
    await expect(page.getByTestId('state')).toHaveAttribute('data-state', 'reconnecting', { timeout: 10_000 });
    await page.getByTestId('call').click();
    // Not "1 queued": the chat message's publish may still have been on its way, and waits to be resent too.
    await expect(page.getByTestId('retry')).toContainText('queued');
    server = await start(port);
    await expect(page.getByTestId('result')).toContainText('"total"', { timeout: 20_000 });
    await page.getByTestId('broadcast').click();
    await expect(page.getByTestId('banner')).toBeVisible();
    await page.screenshot({ path: new URL(`${kind}.png`, out).pathname, fullPage: true });
  } finally {
    await context.close();
    await kill(server);
  }
}

/** Two tabs of one user with `?share=1`: one leads, one follows, one connection at the gateway. */
async function sharedTabs(browser: Browser, base: string, port: number) {
  const server = await start(port);
  const context = await browser.newContext({ viewport });
  try {
    const first = await context.newPage();
    await first.goto(`${base}/react/?share=1`);
    await connected(first);
    const second = await context.newPage();
    await second.goto(`${base}/react/?share=1`);
    await connected(second);
    await expect(second.getByTestId('sharing')).toHaveText('this tab follows · 1 connection at the gateway', { timeout: 10_000 });
    await second.getByTestId('publish').click();
    await expect(second.getByTestId('notifications').locator('li')).toHaveCount(1);
    await expect(first.getByTestId('notifications').locator('li')).toHaveCount(1);
    await second.screenshot({ path: new URL('shared-tabs.png', out).pathname, fullPage: true });
  } finally {
    await context.close();
    await kill(server);
  }
}

mkdirSync(out, { recursive: true });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  for (const kind of Object.keys(kinds) as (keyof typeof kinds)[]) await tour(browser, base, port, kind);
  await sharedTabs(browser, base, port);
  console.log(`screenshots in ${out.pathname}`);
} finally {
  await browser.close();
  await stopAll();
}

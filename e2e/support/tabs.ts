/**
 * Helpers of the many-tabs tests: open tabs of the test page, read a tab's snapshot, start a
 * call whose settles the page counts, and count the frames pages sent on their WebSockets.
 */
import { expect, type BrowserContext, type Page } from '@playwright/test';
import type { SharedSystem } from './shared-system.ts';

type TabState = { state: string; sharing: string };
export const snapshot = (page: Page) =>
  page.evaluate(() => {
    const s = (window as any).t.client.getSnapshot();
    return { state: s.state, sharing: s.sharing } as TabState;
  });

export async function openTabs(sys: SharedSystem, context: BrowserContext, n: number, user: string, extra: Record<string, string> = {}) {
  const pages: Page[] = [];
  for (let i = 0; i < n; i++) {
    const page = await context.newPage();
    await page.goto(await sys.pageUrl(user, extra));
    pages.push(page);
  }
  for (const page of pages) await expect.poll(async () => (await snapshot(page)).state).toBe('connected');
  return pages;
}

export const leaderOf = async (pages: Page[]) => {
  for (const p of pages) if ((await snapshot(p)).sharing === 'leader') return p;
  throw new Error('no leader');
};

/** Frames each page sent on its WebSocket, by method: the leader's hub sends for every tab. */
export const COUNT_FRAMES = () => {
  const w = window as any;
  w.frames_ = {};
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data: string) {
    try {
      const m = JSON.parse(data).method;
      if (m) w.frames_[m] = (w.frames_[m] ?? 0) + 1;
    } catch {}
    return send.call(this, data);
  };
};
export const framesSent = async (pages: Page[], method: string) => {
  let n = 0;
  for (const p of pages) if (!p.isClosed()) n += await p.evaluate((m) => (window as any).frames_?.[m] ?? 0, method);
  return n;
};

/** Start a call in `page`; its settles are counted in `window.settles[key]`. */
export const startCall = (page: Page, key: string, ms: number) =>
  page.evaluate(
    ({ key, ms }) => {
      const w = window as any;
      w.settles ??= {};
      w.settles[key] = [];
      w.t.client.call('test.slow', { key, ms }, { timeoutMs: 20_000 }).then(
        (v: unknown) => w.settles[key].push({ ok: v }),
        (e: Error) => w.settles[key].push({ error: `${e.name}: ${e.message}` }),
      );
    },
    { key, ms },
  );
export const settles = (page: Page, key: string) => page.evaluate((k) => (window as any).settles[k] as unknown[], key);


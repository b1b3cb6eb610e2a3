/**
 * `tether-dev` as a newcomer meets it: the app's worker module, no Redis, development tokens
 * that a page on another origin (Vite's dev server) can fetch, a banner that shows only what
 * exists, and an API key that survives restarts so the printed curl keeps working.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { afterEach, expect, it } from 'vitest';
import { createClient } from '../src/core/client.ts';
import { startDevServer, type DevServer } from './dev.ts';
import { freePort } from './testing/processes.ts';
import { until } from './testing/system.ts';

const running: DevServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function dev(env: Record<string, string> = {}, cwd = mkdtempSync(join(tmpdir(), 'tether-dev-'))) {
  dirs.push(cwd);
  const port = await freePort();
  const d = await startDevServer({ cwd, env: { PORT: String(port), LOG_LEVEL: 'silent', WORKER_MODULE: join(process.cwd(), 'demo/methods.ts'), ...env }, argv: [] });
  running.push(d);
  return { d, cwd, http: `http://127.0.0.1:${port}` };
}

it("runs the app's worker module with no Redis, and a page from another origin gets a token and calls it", async () => {
  const { d, http } = await dev();
  expect(d.broker.name).toBe('memory');
  const preflight = await fetch(`${http}/dev/token?user=alice`, { method: 'OPTIONS', headers: { origin: 'http://localhost:5173' } });
  expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
  const res = await fetch(`${http}/dev/token?user=alice`, { headers: { origin: 'http://localhost:5173' } });
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
  const { token } = (await res.json()) as { token: string };
  const c = createClient({ url: d.gateway.url, token, WebSocket });
  try {
    await until(() => c.getSnapshot().state === 'connected');
    expect(await c.call('orders.create', { sku: 'A-1', qty: 2 })).toMatchObject({ total: 19, user: 'alice' });
    // Ordinary rooms are open in development.
    await c.room('lobby').join();
  } finally {
    c.close();
  }
});

it('keeps its development API key across restarts, and prints only what exists', async () => {
  const first = await dev();
  const key = first.d.config.apiKey;
  expect(first.d.banner).toContain(`X-API-Key: ${key}`);
  expect(first.d.banner).toContain('/dev/token?user=alice');
  await first.d.stop();
  running.splice(0);
  const again = await dev({}, first.cwd);
  expect(again.d.config.apiKey).toBe(key);
  // With a real secret there are no development tokens, and the banner says none; a given key is never printed.
  const real = await dev({ JWT_SECRET: 'a-real-secret-a-real-secret-a-real-secret', API_KEY: 'given-key-given-key' });
  expect(real.d.banner).not.toContain('/dev/token');
  expect(real.d.banner).not.toContain('given-key-given-key');
  expect((await fetch(`${real.http}/dev/token?user=alice`)).status).toBe(404);
});

/**
 * A Django-style backend end to end, in Chromium: the Node gateway on the local Redis, the
 * Python example worker (server-mock/python/examples/shop.py, `python -m tether_worker`), and
 * a page that calls it through the contract tether-codegen generated from that worker
 * (examples/shop.contract.ts, bundled for the browser). The page gets a typed result, a
 * validation error from the contract, an application error and an unexpected one from the
 * worker, and the notification the Python handler sends.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { signDevToken } from '../server-mock/gateway/auth.ts';
import { pythonMissing, runPythonWorker } from '../server-mock/python/processes.ts';
import { freePort, runCli, stopAll } from '../server-mock/testing/processes.ts';
import { dropKeys, expect, REDIS_URL, test, uid } from './fixtures.ts';

const repo = new URL('..', import.meta.url).pathname;
const SECRET = 'python-e2e-secret-python-e2e-secret-python';

/** The page's script: a client with the generated contract, and a way for the test to call through it. */
const pageScript = `
import { createClient } from '/tether.js';
import { contract } from './shop.contract.ts';
const q = new URLSearchParams(location.search);
const client = createClient({ url: q.get('ws'), token: () => q.get('token'), contract });
window.notes = [];
client.on('notification', (n) => window.notes.push(n));
window.call = async (path, params) => {
  let fn = client.api;
  for (const key of path.split('.')) fn = fn[key];
  try {
    return { result: await fn(params) };
  } catch (e) {
    return { error: { name: e.name, code: e.code, message: e.message, data: e.data } };
  }
};
window.ready = true;
`;

const missing = pythonMissing();

test.describe('a Python worker behind the gateway, called from Chromium through a generated contract', () => {
  test.skip(!!missing && !process.env.CI, `Python worker unavailable: ${missing}. apt-get install python3-redis python3-pydantic`);
  let web: Server | undefined;
  let dir = '';
  let prefix = '';
  let gatewayUrl = '';
  let pageUrl = '';

  test.beforeAll(async () => {
    if (missing) throw new Error(`The Python worker cannot run: ${missing}. .ci/run installs python3-redis and python3-pydantic.`);
    prefix = `e2e-py-${uid()}:`;
    dir = mkdtempSync(join(tmpdir(), 'tether-py-e2e-'));
    await build({
      stdin: { contents: pageScript, resolveDir: join(repo, 'server-mock/python/examples'), sourcefile: 'page.js', loader: 'js' },
      outfile: join(dir, 'page.js'),
      bundle: true,
      format: 'esm',
      platform: 'browser',
      alias: { 'tether-rpc': '/tether.js' },
      external: ['/tether.js'],
      logLevel: 'warning',
    });
    const files: Record<string, [string, string]> = {
      '/': ['text/html', '<!doctype html><title>python worker</title><script type="module" src="/page.js"></script>'],
      '/page.js': ['text/javascript', readFileSync(join(dir, 'page.js'), 'utf8')],
      '/tether.js': ['text/javascript', readFileSync(join(repo, 'dist/tether.js'), 'utf8')],
    };
    web = createServer((req, res) => {
      const file = files[new URL(req.url ?? '/', 'http://x').pathname];
      if (!file) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': file[0] }).end(file[1]);
    });
    const webPort = await freePort();
    await new Promise<void>((r) => web!.listen(webPort, '127.0.0.1', r));
    const port = await freePort();
    await runCli('gateway', { REDIS_URL, PREFIX: prefix, JWT_SECRET: SECRET, PORT: String(port) });
    await runPythonWorker('examples.shop', { REDIS_URL, PREFIX: prefix, WORKER_NAME: 'py-e2e' });
    gatewayUrl = `ws://127.0.0.1:${port}`;
    const token = await signDevToken(SECRET, 'dana', 600);
    pageUrl = `http://127.0.0.1:${webPort}/?ws=${encodeURIComponent(gatewayUrl)}&token=${encodeURIComponent(token)}`;
  });

  test.afterAll(async () => {
    await stopAll();
    web?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (prefix) await dropKeys(prefix).catch(() => {});
  });

  test('typed result, validation errors, an application error, and the notification', async ({ page }) => {
    await page.goto(pageUrl);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    const call = (path: string, params: unknown) => page.evaluate(([p, v]) => (window as unknown as { call: (p: string, v: unknown) => Promise<unknown> }).call(p as string, v), [path, params] as const);

    const created = await call('orders.create', { sku: 'A1', qty: 2, priority: 'express', ship_to: { street: '1 Main St', city: 'Lyon' } });
    expect(created).toEqual({
      result: { id: expect.stringMatching(/^o\d+$/), total: 19, priority: 'express', lines: [{ sku: 'A1', qty: 2 }], ship_to: { street: '1 Main St', city: 'Lyon' } },
    });
    // The notification the Python handler sent with ctx.notify reached the page.
    await expect.poll(() => page.evaluate(() => (window as unknown as { notes: { type: string; data: unknown }[] }).notes)).toEqual([
      expect.objectContaining({ type: 'order.created', data: { id: (created as { result: { id: string } }).result.id } }),
    ]);

    // Refused by the generated contract in the browser, before anything is sent.
    const local = (await call('orders.create', { sku: 'A1', qty: 2, priority: 'later' })) as { error: { code: number; data: { issues: { path: unknown[] }[] } } };
    expect(local.error.code).toBe(-32602);
    expect(local.error.data.issues.map((i) => i.path)).toEqual([['priority']]);

    // A union in the model (int or str) comes out as one.
    const stock = await call('stock.get', { sku: 'B1', qty: 1 });
    expect(stock).toEqual({ result: { sku: 'B1', available: 'unknown' } });

    // An application error raised with RpcError, as the worker raised it.
    expect(await call('orders.create', { sku: 'A1', qty: 101 })).toEqual({ error: { name: 'RpcError', code: 409, message: 'Not enough stock', data: { available: 100 } } });

    // An unexpected exception: -32603 with its message, no traceback.
    const crash = (await call('demo.crash', undefined)) as { error: { code: number; message: string } };
    expect(crash.error).toMatchObject({ code: -32603, message: 'Something broke in the handler' });
    expect(JSON.stringify(crash)).not.toContain('Traceback');
  });
});

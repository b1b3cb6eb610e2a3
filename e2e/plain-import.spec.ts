/**
 * `dist/tether.js` works from a plain page: one `<script type="module">`, no bundler, no
 * import map, nothing else loaded. The page talks to a scripted gateway (`support/fake-gateway.ts`)
 * and leaves what it saw in `window.__results`; the assertions run here, on the Node side.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type Page } from '@playwright/test';
import { startFakeGateway, type FakeGateway } from './support/fake-gateway.ts';

const bundle = new URL('../dist/tether.js', import.meta.url);

let gateway: FakeGateway;
let server: Server;
let origin: string;

/** A page whose module script runs `body` with `createClient`, `RpcError` and `url` in scope, then publishes `results`. */
const pageWith = (body: string) => `<!doctype html>
<html>
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>tether plain import</title>
</head>
<body>
<script type="module">
import { createClient, RpcError } from '/tether.js';
const url = ${JSON.stringify(gateway.url)};
const results = { states: [], errors: [] };
try {
${body}
} catch (error) {
  results.failure = String(error && error.stack || error);
}
window.__results = results;
</script>
</body>
</html>`;

const pages: Record<string, () => string> = {
  '/connect.html': () =>
    pageWith(`
const client = createClient({ url, token: 'good', autoConnect: false });
client.on('state', (e) => results.states.push(e.to));
client.on('error', (e) => results.errors.push(String(e)));
const notified = new Promise((resolve) => client.on('notification', resolve));
client.connect();

results.echo = await client.call('system.echo', { hi: 1 });
try {
  results.unknown = { value: await client.call('no.such.method', {}) };
} catch (error) {
  results.unknown = { isRpcError: error instanceof RpcError, name: error.name, code: error.code, message: error.message };
}
results.notifyMe = await client.call('test.notifyMe', {});
results.notification = await notified;
results.snapshot = { state: client.getSnapshot().state, user: client.getSnapshot().user };
client.close();
results.afterClose = client.getSnapshot().state;
`),
  '/refused.html': () =>
    pageWith(`
const client = createClient({ url, token: 'bad', autoConnect: false });
client.on('state', (e) => results.states.push(e.to));
client.on('error', (e) => results.errors.push(String(e)));
const unauthorized = new Promise((resolve) => {
  const off = client.subscribe(() => client.getSnapshot().state === 'unauthorized' && (off(), resolve()));
});
client.connect();
const queued = client.call('system.echo', { hi: 1 }).then(
  (value) => ({ value }),
  (error) => ({ isRpcError: error instanceof RpcError, name: error.name, code: error.code }),
);
await unauthorized;
results.snapshot = { state: client.getSnapshot().state, code: client.getSnapshot().code };
results.queued = await queued;
client.close();
`),
};

test.beforeAll(async () => {
  const js = await readFile(bundle).catch(() => {
    throw new Error(`${bundle.pathname} is missing: run \`npm run build\` first`);
  });
  gateway = await startFakeGateway();
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/tether.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      return res.end(js);
    }
    const html = pages[path];
    if (html) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      return res.end(html());
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  await gateway?.close();
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** Open `path`, wait for the page's results, and collect what it loaded and logged. */
async function run(p: Page, path: string) {
  const requests: { url: string; type: string }[] = [];
  const consoleErrors: string[] = [];
  p.on('request', (r) => requests.push({ url: r.url(), type: r.resourceType() }));
  p.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  p.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`));
  await p.goto(origin + path);
  await p.waitForFunction(() => '__results' in window, null, { timeout: 15_000 });
  const results = await p.evaluate(() => (window as unknown as { __results: Record<string, unknown> }).__results);
  return { results, requests, consoleErrors };
}

test('dist/tether.js connects, calls, fails typed and receives notifications from a plain page', async ({ page: p }) => {
  const { results, requests, consoleErrors } = await run(p, '/connect.html');

  expect(results.failure).toBeUndefined();
  expect(results.echo).toEqual({ hi: 1 });
  expect(results.unknown).toEqual({ isRpcError: true, name: 'RpcError', code: -32601, message: 'Method not found' });
  expect(results.notifyMe).toEqual({ ok: true });
  expect(results.notification).toMatchObject({ offset: expect.stringMatching(/^[\w-]+:0-1$/), type: 'hello', data: { n: 1 } });
  expect(typeof (results.notification as { ts: unknown }).ts).toBe('number');
  expect(results.snapshot).toEqual({ state: 'connected', user: 'u1' });
  expect(results.states).toEqual(['connecting', 'authenticating', 'connected', 'closed']);
  expect(results.afterClose).toBe('closed');
  expect(results.errors).toEqual([]);

  expect(gateway.received.map((f) => f.method)).toEqual(
    expect.arrayContaining(['auth', 'system.echo', 'no.such.method', 'test.notifyMe']),
  );
  // Nothing but the page and the one file: no chunks, no CDN, no polyfills.
  expect(requests.filter((r) => r.type === 'script').map((r) => r.url)).toEqual([`${origin}/tether.js`]);
  expect(requests.map((r) => r.url)).toEqual([`${origin}/connect.html`, `${origin}/tether.js`]);
  expect(consoleErrors).toEqual([]);
});

test('a refused token is retried once, then the client stops in unauthorized and fails its queued call', async ({ page: p }) => {
  const before = gateway.tokens.length;
  const { results, consoleErrors } = await run(p, '/refused.html');

  expect(results.failure).toBeUndefined();
  expect(results.snapshot).toEqual({ state: 'unauthorized', code: 4001 });
  expect(results.queued).toEqual({ isRpcError: true, name: 'RpcError', code: -32001 });
  expect(gateway.tokens.slice(before)).toEqual(['bad', 'bad']);
  expect(results.states).toEqual([
    'connecting',
    'authenticating',
    'reconnecting',
    'connecting',
    'authenticating',
    'unauthorized',
    'closed',
  ]);
  expect(consoleErrors).toEqual([]);
});

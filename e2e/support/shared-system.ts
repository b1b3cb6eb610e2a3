/**
 * A whole Tether system in the test process for the many-tabs and reload tests: the embedded
 * broker, a worker with test methods, and a gateway whose HTTP side also serves the test pages
 * and the shared-connection modules (bundled from the sources with esbuild, every dependency
 * inside, as a page with no bundler loads them). Tokens are real HS256 JWTs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { build } from 'esbuild';
import * as z from 'zod';
import { createGateway, createWorker, defineMethod, signDevToken } from '../../server-mock/index.ts';
import { createMemoryBroker } from '../../server-mock/broker/memory.ts';
import type { GatewayServer } from '../../server-mock/gateway/server.ts';

const SECRET = 'shared-e2e-secret-shared-e2e-secret';

/** The page every tab loads: a shared (or, with `?plain`, an ordinary) client, its log on `window.t`. */
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>tab</title></head><body>
<script type="module">
import { createClient, createSharedClient } from '/tether-shared.js';
const q = new URLSearchParams(location.search);
const options = { url: q.get('url'), token: q.get('token'), autoConnect: !q.get('hold') };
if (q.get('persist')) options.persist = q.get('persist');
if (q.get('worker')) options.worker = '/host.js?url=' + encodeURIComponent(q.get('url'));
const client = (q.get('plain') ? createClient : createSharedClient)(options);
const t = (window.t = { client, notifications: [], broadcasts: [], ones: [], gaps: [], states: [], shows: [], errors: [] });
client.on('notification', (e) => t.notifications.push(e.type));
client.on('broadcast', (e) => t.broadcasts.push(e.type));
if (!q.get('plain')) client.on('notification', (e) => t.ones.push(e.type), { oneTab: true });
client.on('gap', (e) => t.gaps.push(e));
client.on('state', (e) => t.states.push(e.to));
client.on('error', (e) => t.errors.push(String(e)));
addEventListener('pageshow', (e) => t.shows.push(e.persisted));
// \`?hold=1\`: connect when the test says so (it publishes while the page has no connection).
window.go = () => client.connect();
</script></body></html>`;

/** The SharedWorker: the connection lives here; the token comes from the tabs. */
const HOST = `import { hostSharedConnection } from '/tether-shared.js';
hostSharedConnection({ url: new URL(location.href).searchParams.get('url') });`;

async function bundle() {
  const out = await build({
    stdin: {
      contents: `export { createClient } from './src/core/index.ts';\nexport * from './src/shared/index.ts';`,
      resolveDir: new URL('../..', import.meta.url).pathname,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
  });
  return out.outputFiles[0]!.text;
}

export interface SharedSystem {
  gateway: GatewayServer;
  /** `http://…` of the gateway (pages, health). */
  base: string;
  token(user: string): Promise<string>;
  /** A tab's address: the page with a token for `user` and the given query options. */
  pageUrl(user: string, options?: Record<string, string>): Promise<string>;
  connections(): Promise<number>;
  notify(user: string, type: string): Promise<void>;
  broadcast(type: string): Promise<void>;
  toRoom(room: string, event: string): Promise<void>;
  /** How many times `test.slow` ran with `key`. */
  runs(key: string): number;
  stop(): Promise<void>;
}

export async function startSharedSystem(options: { maxFrameBytes?: number } = {}): Promise<SharedSystem> {
  const broker = createMemoryBroker();
  const runs = new Map<string, number>();
  const worker = createWorker({
    broker,
    methods: [
      defineMethod('test.slow', { params: z.object({ key: z.string(), ms: z.number() }), result: z.object({ runs: z.number() }) }, async ({ key, ms }) => {
        runs.set(key, (runs.get(key) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, ms));
        return { runs: runs.get(key)! };
      }),
      defineMethod('test.echo', { params: z.unknown(), result: z.unknown() }, (p) => p),
    ],
  });
  const code = await bundle();
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const body = path === '/tether-shared.js' ? code : path === '/host.js' ? HOST : path.startsWith('/tab') ? PAGE : undefined;
    if (body === undefined) return void res.writeHead(404).end();
    // Cacheable on purpose: a page served with \`no-store\` never enters the back/forward cache.
    res.writeHead(200, { 'content-type': path.endsWith('.js') ? 'text/javascript' : 'text/html' }).end(body);
  };
  const gateway = await createGateway({
    broker,
    jwtSecret: SECRET,
    port: 0,
    host: '127.0.0.1',
    publicRooms: ['*'],
    apiKey: 'shared-e2e-key',
    heartbeatMs: 5000,
    ...(options.maxFrameBytes ? { maxFrameBytes: options.maxFrameBytes } : {}),
    fallback: serve,
  });
  const base = gateway.url.replace(/^ws/, 'http');
  return {
    gateway,
    base,
    token: (user) => signDevToken(SECRET, user),
    async pageUrl(user, extra = {}) {
      const q = new URLSearchParams({ url: gateway.url, token: await signDevToken(SECRET, user), ...extra });
      return `${base}/tab?${q}`;
    },
    connections: () => Promise.resolve(gateway.core.stats().connections),
    notify: (user, type) => broker.publish({ kind: 'user', user }, { type }).then(() => {}),
    broadcast: (type) => broker.publish({ kind: 'broadcast' }, { type }).then(() => {}),
    toRoom: (room, event) => broker.publish({ kind: 'room', room }, { event }).then(() => {}),
    runs: (key) => runs.get(key) ?? 0,
    async stop() {
      await gateway.close();
      await worker.stop();
      await broker.close();
    },
  };
}

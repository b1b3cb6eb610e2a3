/**
 * The bundle-size suite: what an app pays, minified and gzipped, for Tether and for the
 * libraries it would pick instead. Everything is bundled by scripts/measure-bundle.mjs, the
 * same code and esbuild settings as the size budget (scripts/size.mjs), so the Tether rows
 * here and the budget always agree. Sizes are deterministic, so each is measured once.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { version as esbuildVersion } from 'esbuild';
import { gzipSize, measureBundle } from '../../scripts/measure-bundle.mjs';
import { barChart } from '../lib/svg.ts';
import { defineSuite, type Target } from '../lib/types.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Framework peers that an app has anyway, so they never count. */
const EXTERNAL = ['react', 'react-dom', 'vue'];
/** As scripts/size.mjs reads "10 KiB": 10,240 bytes. */
const CORE_LIMIT = 10_240;
const BINDING_LIMIT = 1_500;
const BROWSER_FILE = 'dist/tether.js';

interface Entry {
  name: string;
  /** The npm package whose version is reported. */
  package: string;
  /** What the entry module re-exports (Tether), or its source (an alternative). */
  modules?: string[];
  contents?: string;
}

/** Tether is measured as size.mjs measures it: every export of its modules, an upper bound on what an app pays. */
const CORE: Entry = { name: 'Tether core', package: 'tether-rpc', modules: ['src/core/index.ts'] };
const BINDINGS: Entry[] = [
  { name: 'Tether core + React', package: 'tether-rpc', modules: ['src/core/index.ts', 'src/react/index.ts'] },
  { name: 'Tether core + Vue', package: 'tether-rpc', modules: ['src/core/index.ts', 'src/vue/index.ts'] },
];

/**
 * Each alternative is what an app writes to get a connected client. The objects are
 * exported, so the bundler keeps everything a real app would reach through them.
 */
const SOCKET_IO: Entry = {
  name: 'socket.io-client',
  package: 'socket.io-client',
  contents: `import { io } from 'socket.io-client';
export const socket = io('wss://example.test');`,
};
const PEERS: Entry[] = [
  SOCKET_IO,
  {
    name: 'centrifuge',
    package: 'centrifuge',
    contents: `import { Centrifuge } from 'centrifuge';
export const client = new Centrifuge('wss://example.test/connection/websocket');
client.connect();`,
  },
  {
    name: '@trpc/client (wsLink)',
    package: '@trpc/client',
    contents: `import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
export const wsClient = createWSClient({ url: 'wss://example.test' });
export const client = createTRPCClient({ links: [wsLink({ client: wsClient })] });`,
  },
  {
    name: 'phoenix',
    package: 'phoenix',
    contents: `import { Socket } from 'phoenix';
export const socket = new Socket('wss://example.test/socket');
socket.connect();
export const channel = socket.channel('room:lobby');
channel.join();`,
  },
  {
    // The reconnecting WebSocket, for a server of one's own; PartySocket itself adds PartyKit's URL scheme.
    name: 'partysocket (WebSocket)',
    package: 'partysocket',
    contents: `import { WebSocket } from 'partysocket';
export const socket = new WebSocket('wss://example.test');`,
  },
];

export interface BundleRow {
  name: string;
  package: string;
  version: string;
  tether: boolean;
  /** The entry module's source, or the file read as is. */
  entry: string;
  /** Minified bytes and gzip -9 bytes; null when the file could not be had (dist/tether.js not built). */
  min: number | null;
  gz: number | null;
}

export interface BundleResult {
  esbuild: string;
  smoke: boolean;
  rows: BundleRow[];
}

const versionOf = (pkg: string): string => {
  const file = pkg === 'tether-rpc' ? 'package.json' : `node_modules/${pkg}/package.json`;
  return (JSON.parse(readFileSync(resolve(root, file), 'utf8')) as { version: string }).version;
};

const entrySource = (e: Entry) => e.contents ?? (e.modules ?? []).map((m) => `export * from './${m}';`).join('\n');

async function measureEntry(e: Entry): Promise<BundleRow> {
  const { min, gz } = await measureBundle({ contents: e.contents, modules: e.modules, external: EXTERNAL });
  const tether = e.package === 'tether-rpc';
  return { name: e.name, package: e.package, version: versionOf(e.package), tether, entry: entrySource(e), min, gz };
}

/** `dist/tether.js` as Vite builds it for pages without a bundler; built here only when missing. */
async function browserFile(log: (m: string) => void): Promise<BundleRow> {
  const file = resolve(root, BROWSER_FILE);
  if (!existsSync(file)) {
    log(`bundle: ${BROWSER_FILE} is missing, building it (vite build --mode browser)`);
    try {
      await promisify(execFile)(resolve(root, 'node_modules/.bin/vite'), ['build', '--mode', 'browser'], { cwd: root });
    } catch (error) {
      log(`bundle: vite build failed, ${BROWSER_FILE} reported as not built: ${(error as Error).message}`);
    }
  }
  const bytes = existsSync(file) ? readFileSync(file) : null;
  const row = { name: BROWSER_FILE, package: 'tether-rpc', version: versionOf('tether-rpc'), tether: true };
  return { ...row, entry: `${BROWSER_FILE}, as built`, min: bytes?.length ?? null, gz: bytes ? gzipSize(bytes) : null };
}

const fmt = (n: number | null) => (n === null ? 'not built' : n.toLocaleString('en-US'));

function render(r: BundleResult) {
  const core = r.rows.find((row) => row.name === CORE.name)?.gz ?? null;
  const ratio = (gz: number | null) => (gz === null || !core ? '–' : `${(gz / core).toFixed(2)}×`);
  const table = [
    '| Bundle | Version | Minified (B) | Gzip -9 (B) | × Tether core |',
    '| --- | --- | ---: | ---: | ---: |',
    ...r.rows.map((row) => `| ${row.name} | ${row.version} | ${fmt(row.min)} | ${fmt(row.gz)} | ${ratio(row.gz)} |`),
  ];
  const entries = r.rows
    .filter((row) => !row.tether)
    .map((row) => `${row.name} ${row.version}:\n\n\`\`\`js\n${row.entry}\n\`\`\``);

  const markdown = [
    table.join('\n'),
    `Measured once, since bundle sizes are deterministic: esbuild ${r.esbuild} with \`bundle, minify, format: 'esm', platform: 'browser'\`, ` +
      `every dependency inside except the framework peers (${EXTERNAL.map((e) => `\`${e}\``).join(', ')}), then gzip level 9; ` +
      'the same code as the `npm run size` budget (`scripts/measure-bundle.mjs`). ' +
      'The Tether rows re-export every module of the entry (`export * from`), an upper bound on what an app pays; ' +
      'each alternative is the code an app writes to get a connected client (below). ' +
      `\`${BROWSER_FILE}\` is the no-bundler file as Vite builds it (\`vite build --mode browser\`), read as is. ` +
      '1 kB is 1,000 bytes.' +
      (r.smoke ? ' **Smoke run: only Tether core and socket.io-client.**' : ''),
    '![Bundle size](bench/charts/bundle-size.svg)',
    `<details><summary>Entry modules of the alternatives</summary>\n\n${entries.join('\n\n')}\n\n</details>`,
  ].join('\n\n');

  const groups = r.rows.map((row) => ({
    label: `${row.name} ${row.version}`,
    bars: [{ name: row.tether ? 'Tether' : 'Alternatives', value: row.gz === null ? Number.NaN : row.gz / 1000 }],
  }));
  const chart = barChart({
    title: 'Bundle size, minified and gzipped (smaller is better)',
    unit: 'gzip -9, kB',
    groups,
    marks: [{ value: CORE_LIMIT / 1000, label: 'core budget' }],
  });

  const targets: Target[] = [];
  if (core !== null) {
    targets.push({ name: 'Core bundle ≤ 10 KiB gzip', measured: `${fmt(core)} B`, bound: `≤ ${fmt(CORE_LIMIT)} B`, met: core <= CORE_LIMIT });
  }
  for (const [binding, name] of [[BINDINGS[0]!, 'core + react'], [BINDINGS[1]!, 'core + vue']] as const) {
    const gz = r.rows.find((row) => row.name === binding.name)?.gz ?? null;
    if (gz === null || core === null) continue;
    targets.push({
      name: `${name} ≤ core + 1.5 KB`,
      measured: `+${fmt(gz - core)} B (${fmt(gz)} B)`,
      bound: `≤ +${fmt(BINDING_LIMIT)} B`,
      met: gz - core <= BINDING_LIMIT,
    });
  }
  return { markdown, charts: { 'bundle-size.svg': chart }, targets };
}

export const bundle = defineSuite<BundleResult>({
  name: 'bundle',
  title: 'Bundle size',
  about: 'What an app pays, minified and gzipped, for Tether core, its React and Vue bindings and the alternatives.',
  async run(ctx) {
    const tetherEntries = ctx.smoke ? [CORE] : [CORE, ...BINDINGS];
    const peers = ctx.smoke ? [SOCKET_IO] : PEERS;
    const rows: BundleRow[] = [];
    for (const e of tetherEntries) rows.push(await measureEntry(e));
    if (!ctx.smoke) rows.push(await browserFile(ctx.log));
    const peerRows: BundleRow[] = [];
    for (const e of peers) peerRows.push(await measureEntry(e));
    // Smallest first, so the table reads as a ranking.
    rows.push(...peerRows.sort((a, b) => (a.gz ?? 0) - (b.gz ?? 0)));
    for (const row of rows) ctx.log(`bundle: ${row.name} ${fmt(row.min)} B minified, ${fmt(row.gz)} B gzip`);
    return { esbuild: esbuildVersion, smoke: ctx.smoke, rows };
  },
  render,
});

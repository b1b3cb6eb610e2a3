/**
 * Tether as a new user gets it: both packages packed (`npm pack`, which builds first), installed
 * in a scratch app outside this repository (nothing but the npm registry, its cache warm from
 * `npm ci`), and the README's integration files (the code blocks of "Use it in your app" with a
 * `title`) written there as they are. The app must type-check and build; the installed
 * `tether-gateway` and `tether-worker` run it on Redis; Chromium loads the built page and a call
 * round-trips, with its notification.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { promisify } from 'node:util';
import { SignJWT } from 'jose';
import { freePort } from '../server-mock/testing/processes.ts';
import { dropKeys, expect, REDIS_URL, test } from './fixtures.ts';

const run = promisify(execFile);
const repo = new URL('..', import.meta.url).pathname;
const SECRET = 'consumer-test-secret-consumer-test-secret';
const prefix = `tether-consumer-${Date.now()}:`;

/** The README's integration files: every fenced block with `title="path"`. */
function readmeFiles(): Map<string, string> {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const files = new Map<string, string>();
  for (const m of readme.matchAll(/```\w+ title="([^"]+)"\n([\s\S]*?)```/g)) files.set(m[1]!, m[2]!);
  return files;
}

/** Versions the repository itself uses, so the scratch app installs from the warm npm cache. */
function versions(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
  return { ...pkg.devDependencies, ...pkg.dependencies };
}

/** Run a command in `cwd`, failing with its output. */
async function sh(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    return await run(command, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}\n${e.stderr ?? e.message}`);
  }
}

/** Start one of the app's installed commands; resolves once its log says it is up. */
function start(cwd: string, bin: string, args: string[], env: NodeJS.ProcessEnv, ready: string): Promise<ChildProcess> {
  const child = spawn(join(cwd, 'node_modules/.bin', bin), args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${bin} did not start:\n${out}`)), 20_000);
    const read = (d: Buffer) => {
      out += d.toString();
      if (out.includes(ready)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.on('exit', (code) => reject(new Error(`${bin} exited with ${code}:\n${out}`)));
  });
}

const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

test.describe('as a consumer of the packed packages', () => {
  test.describe.configure({ timeout: 300_000 });
  let app = '';
  const processes: ChildProcess[] = [];
  let web: Server | undefined;

  test.afterAll(async () => {
    for (const p of processes) p.kill('SIGKILL');
    web?.close();
    if (app) rmSync(dirname(app), { recursive: true, force: true });
    await dropKeys(prefix);
  });

  test('installs, type-checks, builds, runs on the installed bins, and round-trips a call in Chromium', async ({ page }) => {
    const scratch = mkdtempSync(join(tmpdir(), 'tether-consumer-'));
    app = join(scratch, 'app');
    const packs = join(scratch, 'packs');
    mkdirSync(packs);
    mkdirSync(join(app, 'src'), { recursive: true });

    // `npm pack` builds first (prepack), for each package.
    await sh(repo, 'npm', ['pack', '--pack-destination', packs]);
    await sh(repo, 'npm', ['pack', '--workspace', 'tether-rpc-server', '--pack-destination', packs]);

    const v = versions();
    const pick = (...names: string[]) => Object.fromEntries(names.map((n) => [n, v[n]!]));
    const client = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify(
        {
          name: 'tether-consumer-app',
          private: true,
          type: 'module',
          dependencies: {
            'tether-rpc': `file:${join(packs, `tether-rpc-${client.version}.tgz`)}`,
            'tether-rpc-server': `file:${join(packs, `tether-rpc-server-${client.version}.tgz`)}`,
            ...pick('zod', 'react', 'react-dom'),
          },
          devDependencies: pick('typescript', 'vite', '@vitejs/plugin-react', '@types/react', '@types/react-dom', '@types/node', 'tsx'),
        },
        null,
        2,
      ),
    );
    // The README's files, as they are; the project's own configuration around them.
    const files = readmeFiles();
    expect([...files.keys()].sort()).toEqual(['index.html', 'src/contract.ts', 'src/main.tsx', 'src/worker.ts']);
    for (const [path, text] of files) writeFileSync(join(app, path), text);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'Bundler',
          jsx: 'react-jsx',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          allowImportingTsExtensions: true,
          types: ['vite/client', 'node'],
        },
        include: ['src'],
      }),
    );
    writeFileSync(join(app, 'vite.config.ts'), "import react from '@vitejs/plugin-react';\nexport default { plugins: [react()] };\n");

    await sh(app, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund']);

    // What a browser app pulls in: tether-rpc with zod, nanoid and mitt, nothing of the server's (react
    // and vue are optional peers: the app's own, when it uses a binding).
    const tree = JSON.parse((await sh(app, 'npm', ['ls', '--omit=dev', '--all', '--json'])).stdout) as {
      dependencies: Record<string, { dependencies?: Record<string, unknown> }>;
    };
    const installed = JSON.parse(readFileSync(join(app, 'node_modules/tether-rpc/package.json'), 'utf8')) as { peerDependencies: Record<string, string> };
    const runtime = Object.keys(tree.dependencies['tether-rpc']!.dependencies ?? {}).filter((d) => !(d in installed.peerDependencies));
    expect(runtime.sort()).toEqual(['mitt', 'nanoid', 'zod']);

    await sh(app, 'npx', ['tsc', '--noEmit']);
    const gatewayPort = await freePort();
    await sh(app, 'npx', ['vite', 'build'], { VITE_TETHER_URL: `ws://127.0.0.1:${gatewayPort}` });

    const redis = { REDIS_URL, PREFIX: prefix, LOG_LEVEL: 'info' };
    processes.push(await start(app, 'tether-gateway', [], { ...redis, JWT_SECRET: SECRET, PORT: String(gatewayPort) }, 'gateway listening'));
    processes.push(await start(app, 'tether-worker', ['--worker', 'src/worker.ts'], redis, 'worker running'));

    // The app's own web server: its built page, and the token endpoint the README's page asks.
    const key = new TextEncoder().encode(SECRET);
    web = createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/api/ws-token') {
        const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuedAt().setExpirationTime('10m').sign(key);
        return void res.writeHead(200, { 'content-type': 'text/plain' }).end(token);
      }
      const path = join(app, 'dist', url.pathname === '/' ? 'index.html' : url.pathname);
      const body = await readFile(path).catch(() => undefined);
      if (body) res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(body);
      else res.writeHead(404).end();
    });
    const webPort = await freePort();
    await new Promise<void>((r) => web!.listen(webPort, '127.0.0.1', r));

    await page.goto(`http://127.0.0.1:${webPort}/`);
    await expect(page.getByTestId('state')).toHaveText('connected', { timeout: 15_000 });
    await page.getByRole('button', { name: 'Order' }).click();
    await expect(page.getByTestId('order')).toHaveText('alice-1: 20');
    await expect(page.getByTestId('toast')).toHaveText('Order alice-1 for A-1');
  });
});

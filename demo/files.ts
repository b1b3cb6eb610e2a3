/**
 * The demo's HTTP side for `npm start`: the plain demo page (`/`), its stylesheet, the
 * browser bundle and what else it imports (contract, kit and shared connection, built by
 * demo/build-plain.mjs), and the React and Vue demos (`/react/`, `/vue/`, built by Vite into
 * `dist/demo/`). Files are read from the repository; everything
 * but the plain page needs `npm run build` first (npm start runs it). Development tokens
 * (`/dev/token`) come from the development server in front of this.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';

const root = new URL('../', import.meta.url);
const files: Record<string, [path: string, type: string]> = {
  '/': ['demo/plain/index.html', 'text/html; charset=utf-8'],
  '/index.html': ['demo/plain/index.html', 'text/html; charset=utf-8'],
  '/tether.js': ['dist/tether.js', 'text/javascript; charset=utf-8'],
  '/tether.js.map': ['dist/tether.js.map', 'application/json'],
  '/contract.js': ['dist/demo/contract.js', 'text/javascript; charset=utf-8'],
  '/kit.js': ['dist/demo/kit.js', 'text/javascript; charset=utf-8'],
  '/shared.js': ['dist/demo/shared.js', 'text/javascript; charset=utf-8'],
  '/demo.css': ['demo/shared/demo.css', 'text/css; charset=utf-8'],
  '/react/': ['dist/demo/react/index.html', 'text/html; charset=utf-8'],
  '/react/index.html': ['dist/demo/react/index.html', 'text/html; charset=utf-8'],
  '/vue/': ['dist/demo/vue/index.html', 'text/html; charset=utf-8'],
  '/vue/index.html': ['dist/demo/vue/index.html', 'text/html; charset=utf-8'],
};
/** Content types of what Vite writes into `dist/demo/<app>/assets/`. */
const assetTypes: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  map: 'application/json',
  svg: 'image/svg+xml',
  png: 'image/png',
  woff2: 'font/woff2',
};
/** `/react/assets/index-Ab12.js` → the built file; plain file names only, so nothing outside `dist/demo` can be named. */
function asset(pathname: string): [path: string, type: string] | undefined {
  const m = /^\/(react|vue)\/assets\/([\w.-]+\.(\w+))$/.exec(pathname);
  const type = m && !m[2]!.startsWith('.') ? assetTypes[m[3]!] : undefined;
  return m && type ? [`dist/demo/${m[1]}/assets/${m[2]}`, type] : undefined;
}

export function createDemoFiles() {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && (url.pathname === '/react' || url.pathname === '/vue')) {
      return void res.writeHead(301, { location: `${url.pathname}/` }).end();
    }
    const file = req.method === 'GET' ? (files[url.pathname] ?? asset(url.pathname)) : undefined;
    if (!file) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    try {
      const body = await readFile(new URL(file[0], root));
      res.writeHead(200, { 'content-type': file[1], 'cache-control': 'no-cache' }).end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`${file[0]} is missing: run npm run build`);
    }
  };
}

/**
 * The package's version, read from its package.json (the one place it is written; the client
 * package has the same one, which `npm pack` checks). Found by walking up from this module,
 * which runs from `server-mock/` in the repository and from `dist/` once installed.
 */
import { existsSync, readFileSync } from 'node:fs';

function readVersion(): string {
  for (let dir = new URL('./', import.meta.url); dir.pathname !== '/'; dir = new URL('../', dir)) {
    const file = new URL('package.json', dir);
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'tether-rpc-server' && pkg.version) return pkg.version;
  }
  return '0.0.0';
}

export const VERSION = readVersion();

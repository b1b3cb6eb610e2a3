#!/usr/bin/env node
/**
 * The package's manifest as users get it. In this repository `tether-rpc-server` depends on
 * `tether-rpc` with `file:..` (npm links the client package from the root; it is not on a
 * registry while both change together). `npm pack` runs `pack` first: the dependency becomes
 * the client's exact version, and the server's version is checked against it (one version for
 * both). `postpack` (`restore`) puts the file back as it was, byte for byte.
 *
 * Usage: node scripts/manifest.mjs pack|restore
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

const file = new URL('../package.json', import.meta.url);
const saved = new URL('../package.json.orig', import.meta.url);
const client = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

const mode = process.argv[2];
if (mode === 'pack') {
  const text = readFileSync(file, 'utf8');
  const pkg = JSON.parse(text);
  if (pkg.version !== client.version) {
    console.error(`tether-rpc-server is ${pkg.version} but tether-rpc is ${client.version}: both are released as one version.`);
    process.exit(1);
  }
  if (!existsSync(saved)) writeFileSync(saved, text);
  pkg.dependencies['tether-rpc'] = client.version;
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
} else if (mode === 'restore') {
  if (existsSync(saved)) renameSync(saved, file);
} else {
  console.error('usage: node scripts/manifest.mjs pack|restore');
  process.exit(2);
}

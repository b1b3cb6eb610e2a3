import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { VERSION } from './version.ts';

it('is one version for both packages, read from package.json', () => {
  const read = (path: string) => (JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { version: string }).version;
  expect(VERSION).toBe(read('./package.json'));
  expect(read('./package.json')).toBe(read('../package.json'));
});

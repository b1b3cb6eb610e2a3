/**
 * The committed generated contracts are what tether-codegen makes today: the Node demo's
 * (always), and the Python example's, generated from the Python worker's own announcement
 * (needs the Python worker; see python/testing.ts). On a mismatch: npx tsx server-mock/codegen/snapshots.ts
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeWithPython } from '../python/testing.ts';
import { generate, snapshots } from './snapshots.ts';

describe('generated contract snapshots', () => {
  it("the demo's methods (demo/methods.ts) → server-mock/codegen/demo.contract.ts", async () => {
    expect(await generate(snapshots.demo)).toBe(readFileSync(snapshots.demo.file, 'utf8'));
  });
});

describeWithPython('generated contract snapshots from Python', () => {
  it("the Python example's methods (examples/shop.py) → examples/shop.contract.ts", async () => {
    expect(await generate(snapshots.pythonShop)).toBe(readFileSync(snapshots.pythonShop.file, 'utf8'));
  });
});

/**
 * The generated contracts this repository commits: the Node demo's methods, and the Python
 * example worker's (the browser tests call it through that file). `npx tsx
 * server-mock/codegen/snapshots.ts` writes them again; snapshots.test.ts fails when one is stale.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { demoMethods } from '../../demo/methods.ts';
import { describePythonModule } from '../python/processes.ts';
import { describeMethods } from '../worker/worker.ts';
import { generateContract } from './generate.ts';

export const snapshots = {
  demo: {
    file: fileURLToPath(new URL('./demo.contract.ts', import.meta.url)),
    source: 'demo/methods.ts',
    describe: () => ({ methods: describeMethods(demoMethods()) }),
  },
  pythonShop: {
    file: fileURLToPath(new URL('../python/examples/shop.contract.ts', import.meta.url)),
    source: 'server-mock/python/examples/shop.py',
    describe: () => describePythonModule('examples.shop'),
  },
};

export const generate = (s: (typeof snapshots)[keyof typeof snapshots]) => generateContract(s.describe(), { source: s.source });

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const s of Object.values(snapshots)) {
    await writeFile(s.file, await generate(s));
    console.log(`wrote ${s.file}`);
  }
}

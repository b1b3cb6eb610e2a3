/**
 * Every TypeScript snippet in the README type-checks, against the package's real types and the
 * README's own contract (its `src/contract.ts` block): a snippet that stopped compiling is a
 * lie the README tells. Each snippet is a module of its own; names it uses but a reader brings
 * (`getToken`, `client`, `App`…) are declared around it. The blocks with a `title` are the
 * integration files, compiled as an app in e2e/consumer.spec.ts.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';

const repo = new URL('..', import.meta.url).pathname;
const dir = join(repo, '.readme-check');
const readme = readFileSync(join(repo, 'README.md'), 'utf8');

/** What readers have in their own code, for snippets that use it without defining it. */
const world: Record<string, string> = {
  getToken: 'declare const getToken: () => Promise<string>;',
  render: 'declare const render: (...args: unknown[]) => void;',
  refetchGameState: 'declare const refetchGameState: () => void;',
  playSound: 'declare const playSound: (...args: unknown[]) => void;',
  currentRoom: "declare const currentRoom: import('vue').Ref<string>;",
  App: "declare const App: import('vue').Component;",
  client: "declare const client: import('tether-rpc').Client<typeof import('./contract.ts').contract>;",
  contract: "import { contract } from './contract.ts';",
  db: 'declare const db: { orders: { insertOnce(callId: string, order: object): Promise<string> } };',
};

afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('type-checks every TypeScript snippet of the README', async () => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const contract = /```ts title="src\/contract.ts"\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(contract, 'the README has a src/contract.ts block').toBeTruthy();
  writeFileSync(join(dir, 'contract.ts'), contract!);
  const snippets = [...readme.matchAll(/```(tsx?)\n([\s\S]*?)```/g)];
  expect(snippets.length).toBeGreaterThan(4);
  snippets.forEach(([, lang, code], i) => {
    const defines = (name: string) => new RegExp(`\\b(const|let|function|class)\\s+${name}\\b|import[^;]*\\b${name}\\b`).test(code!);
    const uses = (name: string) => new RegExp(`\\b${name}\\b`).test(code!);
    const prelude = Object.entries(world).filter(([name]) => uses(name) && !defines(name)).map(([, d]) => d);
    // `export {}` keeps each snippet a module, so their names do not meet.
    writeFileSync(join(dir, `snippet-${i + 1}.${lang}`), `${prelude.join('\n')}\nexport {};\n${code}`);
  });
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ extends: '../tsconfig.json', compilerOptions: { noUnusedLocals: false, types: ['node'] }, include: ['*.ts', '*.tsx'] }),
  );
  const result = await promisify(execFile)('npx', ['tsc', '--noEmit', '-p', dir], { cwd: repo }).then(
    () => '',
    (e: { stdout?: string }) => e.stdout ?? String(e),
  );
  // Each error names its snippet: .readme-check/snippet-N.ts(line,col).
  expect(result).toBe('');
}, 60_000);

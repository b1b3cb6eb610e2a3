/**
 * The house rules of ARCHITECTURE.md hold in this repository, and the check really catches
 * each of them broken: fixtures/ breaks every rule once, next to what the rules allow.
 */
import { join } from 'node:path';
import type { ICruiseResult } from 'dependency-cruiser';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkArchitecture,
  checkBrowserGlobals,
  cruiseImports,
  GLOBALS_RULE,
  IMPORT_RULES,
  importViolations,
  REPO_ROOT,
  type Violation,
} from './check.ts';

const FIXTURES = join(REPO_ROOT, 'scripts/architecture/fixtures');
/** A full cruise takes a second or two; on a busy CI core, more. */
const SLOW = 30_000;

/** What each fixture breaks, and how: one file per rule (rule 6 three ways). */
const BROKEN: [rule: string, from: string, to: string][] = [
  ['core-imports-protocol-and-runtime-deps-only', 'src/core/renders.ts', '../../../node_modules/react/index.js'],
  ['shared-builds-on-the-core-only', 'src/shared/validates.ts', '../../../node_modules/zod/index.cjs'],
  ['protocol-imports-zod-only', 'src/protocol/knows-the-client.ts', 'src/core/index.ts'],
  ['observers-use-public-apis-only', 'src/observers/reaches-into-core.ts', 'src/core/client.ts'],
  ['react-uses-public-apis-only', 'src/react/reaches-into-observers.ts', 'src/observers/call.ts'],
  ['vue-uses-public-apis-only', 'src/vue/reaches-into-core.ts', 'src/core/client.ts'],
  ['server-takes-only-the-protocol', 'server-mock/gateway/uses-the-client.ts', 'src/core/index.ts'],
  ['server-imports-the-protocol-by-name', 'server-mock/worker/protocol-by-path.ts', 'src/protocol/index.ts'],
  ['gateway-and-worker-meet-through-a-broker', 'server-mock/gateway/calls-the-worker.ts', 'server-mock/worker/worker.ts'],
  ['gateway-and-worker-see-the-broker-interface-only', 'server-mock/worker/opens-memory.ts', 'server-mock/broker/memory.ts'],
  ['only-the-composition-root-picks-a-driver', 'server-mock/settings.ts', 'server-mock/broker/redis.ts'],
  [GLOBALS_RULE, 'src/core/title.ts', 'document'],
  [GLOBALS_RULE, 'src/core/title.ts', 'navigator'],
  [GLOBALS_RULE, 'src/core/title.ts', 'window'],
  [GLOBALS_RULE, 'src/shared/leader.ts', 'navigator'],
];

const plain = (v: Violation) => [v.rule, v.from, v.to].join(' ');
const sorted = (vs: Violation[]) => vs.map(plain).sort();

describe('the repository', () => {
  let graph: ICruiseResult;
  beforeAll(async () => {
    graph = await cruiseImports(REPO_ROOT);
  }, SLOW);

  it('keeps the import rules (1–5)', () => {
    expect(sorted(importViolations(graph))).toEqual([]);
  });

  it('touches window, document and navigator only in src/core/environment.ts and src/shared/platform.ts (rule 6)', () => {
    expect(checkBrowserGlobals(REPO_ROOT)).toEqual([]);
  }, SLOW);

  it('is checked with `tether-rpc/...` resolved to the client sources, as the rules expect', () => {
    // Were the tsconfig paths lost, the name would resolve to the built package and rule 4 would see nothing.
    const protocolImports = graph.modules.flatMap((m) => m.dependencies.filter((d) => d.module === 'tether-rpc/protocol'));
    expect(protocolImports.length).toBeGreaterThan(0);
    for (const d of protocolImports) {
      expect(d.resolved).toBe('src/protocol/index.ts');
      expect(d.dependencyTypes).toContain('aliased-tsconfig-paths');
    }
  });
});

describe('the fixtures', () => {
  let found: Violation[];
  beforeAll(async () => {
    found = await checkArchitecture(FIXTURES);
  }, SLOW);

  it.each(BROKEN)('catch %s: %s → %s', (rule, from, to) => {
    expect(found.map(plain)).toContain([rule, from, to].join(' '));
  });

  it('report nothing else: the environment adapter, tests, the composition root and test-only folders are allowed', () => {
    expect(sorted(found)).toEqual(BROKEN.map((b) => b.join(' ')).sort());
  });

  it('break every rule there is, so a new rule comes with its fixture', () => {
    expect(new Set(BROKEN.map(([rule]) => rule))).toEqual(new Set([...IMPORT_RULES, GLOBALS_RULE]));
  });
});

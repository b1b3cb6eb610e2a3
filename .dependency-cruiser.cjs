/**
 * The import rules of ARCHITECTURE.md (1–5), for dependency-cruiser. Rule 6 (browser globals)
 * is not about imports: scripts/architecture/browser-globals.ts checks it.
 *
 * Run: `npm run check:architecture` (or `npx depcruise src server-mock`); `npm test` runs it
 * through scripts/architecture/architecture.test.ts. Paths are relative to the folder cruised
 * from, so the same rules also run over scripts/architecture/fixtures (the rules broken on purpose).
 *
 * The client-side rules are allow-lists (anything not listed is refused, including node:
 * builtins and imports that do not resolve); the server-side ones forbid specific edges.
 */

/** Tests, type tests and the server's test-only folders may import anything (rule 7). */
const TEST = '\\.test(-d)?\\.ts$';
// server-mock/python is the Python worker's package (its TypeScript is its tests and their
// fixtures); codegen's snapshots are generated contracts the tests compare and type-check.
const SERVER_TEST_ONLY = '^server-mock/(testing|security|faults|conformance|scripts|python)/|^server-mock/codegen/(snapshots|[\\w-]+\\.contract)\\.ts$';
/** Code the server package ships: everything in server-mock/ but its tests and test-only folders. */
const SHIPPED_SERVER = { path: '^server-mock/', pathNot: [TEST, SERVER_TEST_ONLY] };
/** A package in node_modules, wherever the cruise starts (the fixtures resolve upwards). */
const npm = (...names) => `(^|/)node_modules/(${names.join('|')})/`;
/** The broker drivers, and the barrel that re-exports one. */
const DRIVER = '^server-mock/broker/(index|memory[^/]*|redis[^/]*)\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-imports-protocol-and-runtime-deps-only',
      comment:
        'Rule 1: the client runs in any browser or Node with no framework; it may use the protocol, ' +
        'its own files and its runtime dependencies (nanoid, mitt), never React, Vue, Node builtins or server code; ' +
        'not zod either: it checks frames with the protocol\'s shapes, so the bundle carries no validation library.',
      severity: 'error',
      from: { path: '^src/core/', pathNot: TEST },
      to: { pathNot: ['^src/(core|protocol)/', npm('nanoid', 'mitt')] },
    },
    {
      name: 'shared-builds-on-the-core-only',
      comment:
        'Rule 1 for tether-rpc/shared: the multi-tab entry is the core plus tabs, so it may use the core, ' +
        'the protocol and the same runtime dependencies, and nothing else (no framework, no Node, no zod).',
      severity: 'error',
      from: { path: '^src/shared/', pathNot: TEST },
      to: { pathNot: ['^src/(shared|core|protocol)/', npm('nanoid', 'mitt')] },
    },
    {
      name: 'protocol-imports-zod-only',
      comment: 'Rule 2: the protocol is shared by client and server, so it can lean on neither.',
      severity: 'error',
      from: { path: '^src/protocol/', pathNot: TEST },
      to: { pathNot: ['^src/protocol/', npm('zod')] },
    },
    {
      name: 'observers-use-public-apis-only',
      comment: "Rule 3: observers see the core and the protocol as users do, through their index.ts, so internals can change.",
      severity: 'error',
      from: { path: '^src/observers/', pathNot: TEST },
      to: { pathNot: ['^src/observers/', '^src/(core|protocol)/index\\.ts$'] },
    },
    {
      name: 'react-uses-public-apis-only',
      comment: 'Rule 3: the React binding is a thin layer over the public core and observers (and React).',
      severity: 'error',
      from: { path: '^src/react/', pathNot: TEST },
      to: { pathNot: ['^src/react/', '^src/(core|observers)/index\\.ts$', npm('react')] },
    },
    {
      name: 'vue-uses-public-apis-only',
      comment: 'Rule 3: the Vue binding is a thin layer over the public core and observers (and Vue).',
      severity: 'error',
      from: { path: '^src/vue/', pathNot: TEST },
      to: { pathNot: ['^src/vue/', '^src/(core|observers)/index\\.ts$', npm('vue')] },
    },
    {
      name: 'server-takes-only-the-protocol',
      comment:
        "Rule 4: the server depends on the client package's protocol and nothing else of it, so the two " +
        'sides version and ship apart. (An unresolved `tether-rpc/...` is caught here too.)',
      severity: 'error',
      from: SHIPPED_SERVER,
      to: { path: ['^src/', '^tether-rpc(/|$)'], pathNot: '^src/protocol/index\\.ts$' },
    },
    {
      name: 'server-imports-the-protocol-by-name',
      comment:
        'Rule 4: `tether-rpc/protocol`, never a relative path into src/: the published package resolves ' +
        'the name to the installed client package, and a relative path would leave the package.',
      severity: 'error',
      from: SHIPPED_SERVER,
      to: { path: '^src/', dependencyTypesNot: ['aliased-tsconfig-paths'] },
    },
    {
      name: 'gateway-and-worker-meet-through-a-broker',
      comment: 'Rule 5: gateways and workers run in different processes; a direct import would only work in one.',
      severity: 'error',
      from: { path: '^server-mock/(gateway|worker)/', pathNot: TEST },
      to: { path: '^server-mock/(gateway|worker)/', pathNot: '^server-mock/$1/' },
    },
    {
      name: 'gateway-and-worker-see-the-broker-interface-only',
      comment: 'Rule 5: both work with any broker, so they know broker.ts and never a driver (or the barrel that re-exports one).',
      severity: 'error',
      from: { path: '^server-mock/(gateway|worker)/', pathNot: TEST },
      to: { path: '^server-mock/broker/', pathNot: '^server-mock/broker/broker\\.ts$' },
    },
    {
      name: 'only-the-composition-root-picks-a-driver',
      comment: 'Rule 5: which broker runs is configuration, decided in one place: app.ts, dev.ts, cli/ (index.ts re-exports).',
      severity: 'error',
      from: {
        path: '^server-mock/',
        // The gateway and the worker are covered by the rule above; drivers may use their own parts.
        pathNot: [TEST, SERVER_TEST_ONLY, '^server-mock/(app|dev|index)\\.ts$', '^server-mock/(cli|broker|gateway|worker)/'],
      },
      to: { path: DRIVER },
    },
  ],
  options: {
    // `tether-rpc`, `tether-rpc/*` and `tether-rpc-server/*` resolve to sources through the paths.
    tsConfig: { fileName: 'tsconfig.json' },
    // Type-only imports count: they couple the code just the same (and end up in the .d.ts files).
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    // Build output only; never `node_modules/*/dist` (that would hide the edges to packages).
    exclude: { path: '^(server-mock/)?dist/' },
  },
};

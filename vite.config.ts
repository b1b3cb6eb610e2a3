/// <reference types="vitest/config" />
/**
 * The browser file and the tests, in one file.
 *
 * - `vite build`: `dist/tether.js`, the core with every dependency inside, minified, for a
 *   plain `<script type="module">` with no bundler. (The package's own files come from
 *   `scripts/build-package.mjs`, run first; declarations from `tsc -p tsconfig.build.json`.)
 * - `vitest`: `src/**` in happy-dom (with `*.test-d.ts` type tests), `server-mock/**` in Node, and
 *   the fault suite (`server-mock/faults/**`, project `faults`) on its own, one file at a time.
 */
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

/** The browser file: a single entry, everything bundled. */
const browserEntry = { tether: 'src/core/index.ts' };

export default defineConfig(({ command }) => {
  return {
    build: {
      outDir: 'dist',
      // The package build ran first: keep its files.
      emptyOutDir: false,
      minify: true,
      sourcemap: true,
      lib: { entry: browserEntry, formats: ['es'], fileName: (_format, name) => `${name}.js` },
      rolldownOptions: {
        output: {
          codeSplitting: false,
          // Vite leaves whitespace and `/*#__PURE__*/` in ES libraries for the app's bundler; this file is
          // loaded as is, so minify it fully.
          minify: { codegen: true },
          comments: { legal: true, annotation: false, jsdoc: false },
        },
      },
    },
    // Library mode leaves `process.env.*` alone for bundlers to replace; a page with no bundler has no `process`.
    define: command === 'build' ? { 'process.env.NODE_ENV': JSON.stringify('production') } : {},
    // The package by its name, as users' code imports it (the server imports `tether-rpc/protocol`):
    // from the sources, so tests never run against a stale build.
    resolve: {
      alias: [
        { find: /^tether-rpc$/, replacement: fileURLToPath(new URL('./src/core/index.ts', import.meta.url)) },
        { find: /^tether-rpc\/(\w+)$/, replacement: fileURLToPath(new URL('./src/$1/index.ts', import.meta.url)) },
        { find: /^tether-rpc-server$/, replacement: fileURLToPath(new URL('./server-mock/index.ts', import.meta.url)) },
        { find: /^tether-rpc-server\/(redis|memory)$/, replacement: fileURLToPath(new URL('./server-mock/broker/$1.ts', import.meta.url)) },
      ],
    },
    test: {
      projects: [
        {
          extends: true,
          test: {
            name: 'unit',
            environment: 'happy-dom',
            // One happy-dom and one msw per worker instead of per file: 9 s instead of 22 s.
            // Safe because every file starts and stops its own mock server and restores
            // what it stubs (see src/testing/harness.ts).
            isolate: false,
            include: ['src/**/*.test.ts', 'examples/**/*.test.ts'],
            exclude: [...configDefaults.exclude, 'e2e/**'],
            typecheck: { enabled: true, include: ['src/**/*.test-d.ts'], tsconfig: 'tsconfig.json' },
          },
        },
        {
          extends: true,
          test: {
            name: 'node',
            environment: 'node',
            include: ['server-mock/**/*.test.ts', 'bench/**/*.test.ts', 'demo/**/*.test.ts', 'scripts/**/*.test.ts'],
            // The architecture fixtures break the rules on purpose; they are data, not tests.
            exclude: [...configDefaults.exclude, 'e2e/**', 'server-mock/faults/**', 'scripts/architecture/fixtures/**'],
            typecheck: { enabled: true, include: ['server-mock/**/*.test-d.ts'], tsconfig: 'tsconfig.json' },
          },
        },
        {
          extends: true,
          test: {
            // The fault suite (chaos tests): real processes, a private redis-server per case, a fault proxy.
            name: 'faults',
            environment: 'node',
            include: ['server-mock/faults/**/*.test.ts'],
            // Its bounds are timings: one file at a time, so cases do not share the cores with each other.
            fileParallelism: false,
            testTimeout: 60_000,
            hookTimeout: 30_000,
          },
        },
      ],
    },
  };
});

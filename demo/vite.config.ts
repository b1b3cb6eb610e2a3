/**
 * Builds the React and Vue demos (`npm run build:demo`, the last step of `npm run build`):
 *
 *   vite build -c demo/vite.config.ts --mode react   →  dist/demo/react/  (served at /react/ by `npm start`)
 *   vite build -c demo/vite.config.ts --mode vue     →  dist/demo/vue/    (served at /vue/)
 *
 * `tether-rpc` and its subpaths resolve to the sources, so the package need not be built first.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

const src = (path: string) => fileURLToPath(new URL(`../src/${path}`, import.meta.url));

export default defineConfig(({ mode }) => {
  if (mode !== 'react' && mode !== 'vue') throw new Error(`demo/vite.config.ts: --mode react or --mode vue, not ${mode}`);
  return {
    root: fileURLToPath(new URL(`./${mode}/`, import.meta.url)),
    base: `/${mode}/`,
    plugins: [mode === 'react' ? react() : vue()],
    resolve: {
      alias: [
        { find: /^tether-rpc$/, replacement: src('core/index.ts') },
        { find: /^tether-rpc\/(protocol|observers|react|vue|shared)$/, replacement: src('$1/index.ts') },
      ],
    },
    // The demo is an app: the production build of React and Vue, whatever mode names the app.
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: {
      outDir: fileURLToPath(new URL(`../dist/demo/${mode}/`, import.meta.url)),
      emptyOutDir: true,
      sourcemap: true,
    },
    // `npm run dev`-style serving: `vite -c demo/vite.config.ts --mode react`, with the gateway from `npm start` on 8080.
    server: {
      proxy: {
        '/dev/token': 'http://127.0.0.1:8080',
      },
    },
  };
});

/**
 * `npm start`: the development server (`tether-dev`, see server-mock/dev.ts) with the demo's
 * worker (demo/methods.ts) and the demo pages: `/` (one HTML file on dist/tether.js),
 * `/react/` and `/vue/` (Vite builds), all on the embedded broker unless REDIS_URL is set.
 */
import { ConfigError } from 'tether-rpc-server';
import { runDevServer } from '../server-mock/dev.ts';
import { startupError } from '../server-mock/cli/redact.ts';
import { createDemoFiles } from './files.ts';
import { demoMethods } from './methods.ts';

try {
  await runDevServer({
    methods: demoMethods(),
    fallback: createDemoFiles(),
    banner: (http) => [`plain page    ${http}/`, `React page    ${http}/react/`, `Vue page      ${http}/vue/`],
  });
} catch (error) {
  // Configuration and start-up problems (a taken port, Redis unreachable) are one clear line, not a stack.
  console.error(startupError(error));
  process.exit(error instanceof ConfigError ? 2 : 1);
}

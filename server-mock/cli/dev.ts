#!/usr/bin/env node
/**
 * `tether-dev --worker ./methods.ts`: the gateway, the embedded broker and the app's worker
 * module in one process, for development (see `dev.ts`). Takes the gateway's flags and
 * variables too; REDIS_URL puts it on Redis.
 */
import { ConfigError } from '../config.ts';
import { runDevServer } from '../dev.ts';
import { startupError } from './redact.ts';

try {
  await runDevServer();
} catch (error) {
  // Configuration and start-up problems (a taken port, a worker module that does not load) are one clear line, not a stack.
  console.error(startupError(error));
  process.exit(error instanceof ConfigError ? 2 : 1);
}

#!/usr/bin/env node
/**
 * `tether-worker --worker ./methods.js`: one worker running the methods the module exports,
 * on Redis (REDIS_URL is required: a standalone worker reaches gateways only through Redis).
 * Calls are routed by method, so workers with different modules can share one Redis.
 */
import { createLogger, onShutdown, openBroker, runWorker } from '../app.ts';
import { ConfigError, loadWorkerConfig } from '../config.ts';
import { loadMethods } from '../worker/load-methods.ts';
import { startupError } from './redact.ts';

try {
  const config = loadWorkerConfig();
  const logger = createLogger(config.logLevel, 'tether-worker');
  const methods = await loadMethods(config.workerModule);
  const broker = await openBroker(config, logger);
  const worker = runWorker(config, { broker, logger, methods });
  // SIGTERM: finish the calls already taken, then leave; the others stay queued for the rest.
  onShutdown(logger, async () => {
    await worker.stop();
    await broker.close();
  });
} catch (error) {
  // Configuration and start-up problems (a taken port, Redis unreachable) are one clear line, not a stack.
  console.error(startupError(error));
  process.exit(error instanceof ConfigError ? 2 : 1);
}

#!/usr/bin/env node
/**
 * `tether-worker`: one worker running the demo's methods, on Redis (REDIS_URL is required:
 * a standalone worker reaches gateways only through Redis). Your own worker is the same few
 * lines with your methods: `createWorker({ broker, methods })`.
 */
import { createLogger, onShutdown, openBroker, runWorker } from '../app.ts';
import { ConfigError, loadWorkerConfig } from '../config.ts';
import { startupError } from './redact.ts';
import { demoMethods } from '../worker/demo-methods.ts';

try {
  const config = loadWorkerConfig();
  const logger = createLogger(config.logLevel, 'tether-worker');
  const broker = await openBroker(config, logger);
  const worker = runWorker(config, { broker, logger, methods: demoMethods() });
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

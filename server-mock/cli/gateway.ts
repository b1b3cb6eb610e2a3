#!/usr/bin/env node
/**
 * `tether-gateway`: one gateway, configured by flags and environment (see `config.ts`).
 * With REDIS_URL it joins the others on Redis; without it, it runs the embedded broker
 * (then it needs workers in the same process: use `npm start` for that).
 */
import { createLogger, onShutdown, openBroker, runGateway } from '../app.ts';
import { ConfigError, loadGatewayConfig } from '../config.ts';
import { startupError } from './redact.ts';

try {
  const config = loadGatewayConfig();
  const logger = createLogger(config.logLevel, 'tether-gateway');
  const broker = await openBroker(config, logger);
  const gateway = await runGateway(config, { broker, logger });
  onShutdown(logger, async () => {
    await gateway.close();
    await broker.close();
  });
} catch (error) {
  // Configuration and start-up problems (a taken port, Redis unreachable) are one clear line, not a stack.
  console.error(startupError(error));
  process.exit(error instanceof ConfigError ? 2 : 1);
}

#!/usr/bin/env node
/**
 * `npm start`: the whole system in one process for development: the embedded broker (or
 * Redis with REDIS_URL), a worker with the demo's methods, the gateway, and the demo page.
 * A development JWT secret and API key are generated unless given, and `GET /dev/token`
 * hands out tokens, so the demo works with nothing to set up. Ordinary rooms are open
 * (`PUBLIC_ROOMS=*` unless room rules are given); `$` and `#` rooms keep their rules.
 *
 * Secrets: the generated API key is printed, since the developer needs it; a key given in the
 * environment never is (the command refers to `$API_KEY` instead), nor is any JWT secret.
 */
import { randomBytes } from 'node:crypto';
import { createLogger, onShutdown, openBroker, runGateway, runWorker } from '../app.ts';
import { ConfigError, loadGatewayConfig } from '../config.ts';
import { signDevToken } from '../gateway/auth.ts';
import { demoMethods } from '../worker/demo-methods.ts';
import { describeMethods } from '../worker/worker.ts';
import { createDemoFiles } from './demo-files.ts';
import { startupError } from './redact.ts';

const env = { ...process.env };
const generated = !env.JWT_SECRET && !env.JWKS_URL;
if (generated) env.JWT_SECRET = randomBytes(32).toString('hex');
const keyGenerated = !env.API_KEY;
if (keyGenerated) env.API_KEY = randomBytes(16).toString('hex');
// The demo joins ordinary rooms; opening them is configuration, not a special case in the gateway.
if (!env.PUBLIC_ROOMS && !env.ROOM_RULES) env.PUBLIC_ROOMS = '*';

try {
  const config = loadGatewayConfig(env);
  const logger = createLogger(config.logLevel, 'tether');
  const broker = await openBroker(config, logger);
  const methods = demoMethods();
  const worker = runWorker({ workerName: 'demo-worker', concurrency: 16, claimIdleMs: 10_000, maxDeliveries: 3 }, { broker, logger, methods });
  const gateway = await runGateway(config, {
    broker,
    logger,
    describe: () => describeMethods(methods),
    fallback: createDemoFiles({
      // Development only: anyone who can reach this port gets a token for any user.
      devToken: config.jwtSecret && generated ? (user, ttlSec = 3600) => signDevToken(config.jwtSecret!, user, ttlSec) : undefined,
    }),
  });
  const http = gateway.url.replace(/^ws/, 'http');
  console.log(`
  Tether is running (${broker.name} broker).

    demo page     ${http}/
    WebSocket     ${gateway.url}
    dev token     curl '${http}/dev/token?user=alice'
    publish       curl -X POST ${http}/api/publish -H ${keyGenerated ? `'X-API-Key: ${config.apiKey}'` : `"X-API-Key: $API_KEY"`} \\
                    -d '{"user":"alice","type":"hello","message":"Hi Alice"}'
    health        ${http}/health      metrics  ${http}/metrics
`);
  onShutdown(logger, async () => {
    await gateway.close();
    await worker.stop();
    await broker.close();
  });
} catch (error) {
  // Configuration and start-up problems (a taken port, Redis unreachable) are one clear line, not a stack.
  console.error(startupError(error));
  process.exit(error instanceof ConfigError ? 2 : 1);
}

/**
 * The development server (`tether-dev`): a gateway, the app's worker module and the embedded
 * broker (or Redis with REDIS_URL) in one process, so a newcomer adds a method without Redis.
 * It fills in what development needs: a JWT secret (tokens at `/dev/token`, for any user), an
 * API key kept in `.tether-dev.json` so the printed curl keeps working across restarts, and
 * open ordinary rooms (`PUBLIC_ROOMS=*`; `$` and `#` rooms keep their rules). Never run it
 * in production: anyone who reaches it can be anyone.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { createLogger, onShutdown, openBroker, runGateway, runWorker } from './app.ts';
import type { Broker } from './broker/broker.ts';
import { loadDevConfig, type DevConfig } from './config.ts';
import { signDevToken } from './gateway/auth.ts';
import { devTokenHandler } from './gateway/dev-token.ts';
import type { RequestHandler } from './gateway/http.ts';
import type { GatewayServer } from './gateway/server.ts';
import { loadMethods } from './worker/load-methods.ts';
import type { MethodDefinition } from './worker/define.ts';
import { describeMethods, type Worker } from './worker/worker.ts';

export interface DevServerOptions {
  /** Variables, as the environment gives them. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Flags. @default process.argv.slice(2) */
  argv?: readonly string[];
  /** Where `.tether-dev.json` lives. @default process.cwd() */
  cwd?: string;
  /** Serves what the gateway does not (the repository's demo pages). */
  fallback?: RequestHandler;
  /** Lines about `fallback` for the banner (`['demo page    http://…/']`), given the gateway's http URL. */
  banner?: (http: string) => string[];
  /** The methods, instead of a `--worker` module. */
  methods?: MethodDefinition[];
}

export interface DevServer {
  config: DevConfig;
  broker: Broker;
  gateway: GatewayServer;
  worker: Worker;
  logger: Logger;
  /** What it printed when it started. */
  banner: string;
  stop(): Promise<void>;
}

/** A development API key that stays the same across restarts: kept in `.tether-dev.json`. */
function devApiKey(cwd: string): string {
  const file = join(cwd, '.tether-dev.json');
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { apiKey?: unknown };
    if (typeof saved.apiKey === 'string' && saved.apiKey.length >= 16) return saved.apiKey;
  } catch {
    // Missing or unreadable: make one.
  }
  const apiKey = randomBytes(16).toString('hex');
  if (!existsSync(file)) writeFileSync(file, `${JSON.stringify({ apiKey }, null, 2)}\n`, { mode: 0o600 });
  return apiKey;
}

export async function startDevServer(o: DevServerOptions = {}): Promise<DevServer> {
  const cwd = o.cwd ?? process.cwd();
  const env = { ...(o.env ?? process.env) };
  const generated = !env.JWT_SECRET && !env.JWKS_URL;
  if (generated) env.JWT_SECRET = randomBytes(32).toString('hex');
  const keyGiven = !!env.API_KEY;
  if (!keyGiven) env.API_KEY = devApiKey(cwd);
  // Development joins ordinary rooms; opening them is configuration, not a special case in the gateway.
  if (!env.PUBLIC_ROOMS && !env.ROOM_RULES) env.PUBLIC_ROOMS = '*';
  if (o.methods && !env.WORKER_MODULE && !env.WORKER) env.WORKER_MODULE = '(given by the caller)';

  const config = loadDevConfig(env, o.argv ?? process.argv.slice(2));
  const logger = createLogger(config.logLevel, 'tether-dev');
  const methods = o.methods ?? (await loadMethods(config.workerModule, cwd));
  const broker = await openBroker(config, logger);
  const worker = runWorker(config, { broker, logger, methods });
  // Development only: tokens for any user, and only when this process made the secret.
  const secret = generated ? config.jwtSecret : undefined;
  const http = secret ? devTokenHandler((user, ttlSec) => signDevToken(secret, user, ttlSec), o.fallback) : o.fallback;
  const gateway = await runGateway(config, { broker, logger, describe: () => describeMethods(methods), fallback: http });
  const base = gateway.url.replace(/^ws/, 'http');
  const key = keyGiven ? '"X-API-Key: $API_KEY"' : `'X-API-Key: ${config.apiKey}'`;
  const lines = [
    `Tether development server (${broker.name} broker, ${methods.length} methods from ${o.methods ? 'the caller' : config.workerModule}).`,
    '',
    `  WebSocket     ${gateway.url}`,
    ...(o.banner?.(base) ?? []).map((l) => `  ${l}`),
    ...(secret ? [`  dev token     curl '${base}/dev/token?user=alice'   (any user; also from other origins)`] : []),
    `  publish       curl -X POST ${base}/api/publish -H ${key} \\`,
    `                  -d '{"user":"alice","type":"hello","message":"Hi Alice"}'`,
    `  health        ${base}/health      metrics  ${base}/metrics`,
  ];
  const banner = `\n${lines.join('\n')}\n`;
  return {
    config,
    broker,
    gateway,
    worker,
    logger,
    banner,
    async stop() {
      await gateway.close();
      await worker.stop();
      await broker.close();
    },
  };
}

/** Run the development server as a CLI: print the banner, stop gracefully on SIGTERM. */
export async function runDevServer(o: DevServerOptions = {}) {
  const dev = await startDevServer(o);
  console.log(dev.banner);
  onShutdown(dev.logger, dev.stop);
  return dev;
}

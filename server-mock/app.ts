/**
 * The composition root: the only place that picks a broker driver and wires configuration
 * into the gateway and the worker. The CLIs (`cli/*.ts`) and the e2e fixtures start the
 * system through these functions, so they all run the same code.
 */
import pino, { type Logger } from 'pino';
import type { Broker } from './broker/broker.ts';
import { createMemoryBroker } from './broker/memory.ts';
import { gatewayDefaults, type GatewayConfig, type WorkerConfig } from './config.ts';
import { createVerifier } from './gateway/auth.ts';
import { createHttpHandler, type RequestHandler } from './gateway/http.ts';
import { createMethodDirectory } from './gateway/method-directory.ts';
import { createMetrics } from './gateway/metrics.ts';
import { createRpcProxy } from './gateway/rpc-proxy.ts';
import { startGateway, type GatewayServer } from './gateway/server.ts';
import type { AuthorizeRoom } from './gateway/room-policy.ts';
import { limitOptions, roomPolicyFromConfig, verifierOptions } from './security-options.ts';
import type { MethodDefinition } from './worker/define.ts';
import { createWorker, type Worker } from './worker/worker.ts';

/** The broker the configuration asks for: Redis when `redisUrl` is set, else the embedded one. */
export async function openBroker(
  c: { redisUrl?: string | undefined; prefix: string; historyMaxLen?: number; historyMaxAgeMs?: number; brokerTimeoutMs?: number },
  logger: Logger,
): Promise<Broker> {
  const options = { prefix: c.prefix, historyMaxLen: c.historyMaxLen, historyMaxAgeMs: c.historyMaxAgeMs };
  if (!c.redisUrl) return createMemoryBroker(options);
  // Loaded only when asked for, so the embedded set-up never touches the Redis client.
  const { createRedisBroker } = await import('./broker/redis.ts');
  return createRedisBroker({
    ...options,
    url: c.redisUrl,
    brokerTimeoutMs: c.brokerTimeoutMs,
    onError: (error: unknown, op: string) => logger.warn({ err: error, op }, 'redis broker error'),
  });
}

export const createLogger = (level: string, name: string) => pino({ name, level });

export interface RunGatewayOptions {
  broker: Broker;
  logger: Logger;
  /** JSON Schema of the methods, for `system.describe`. */
  describe?: () => unknown;
  /** Serves what the gateway's HTTP API does not (the demo's files). */
  fallback?: RequestHandler;
  /** The application's room rule, asked where the configured ones (`ROOM_RULES`) say `hook`. */
  authorizeRoom?: AuthorizeRoom;
}

/**
 * A gateway, programmatically: `createGateway({ broker, jwtSecret, port })`. Every other
 * setting has the default `tether-gateway` gives it (see the README's configuration table;
 * options are the camelCase of the variables: `HEARTBEAT_MS` is `heartbeatMs`).
 */
export type CreateGatewayOptions = Partial<GatewayConfig> & Omit<RunGatewayOptions, 'logger'> & { logger?: Logger };

export async function createGateway(options: CreateGatewayOptions): Promise<GatewayServer> {
  const { broker, logger = pino({ level: 'silent' }), describe, fallback, authorizeRoom, ...settings } = options;
  const config: GatewayConfig = { ...gatewayDefaults(), ...settings };
  if (!config.jwtSecret === !config.jwksUrl) {
    throw new TypeError('createGateway: give exactly one of `jwtSecret` (HS256) and `jwksUrl` (RS256/ES256/EdDSA tokens of an identity provider)');
  }
  return runGateway(config, { broker, logger, describe, fallback, authorizeRoom });
}

/** A gateway from its configuration: `ws` + HTTP API + metrics on one port. */
export async function runGateway(config: GatewayConfig, o: RunGatewayOptions): Promise<GatewayServer> {
  // Method labels only for methods some worker serves; with the RPC proxy nothing lists them,
  // and the metrics fall back to a cap on distinct names.
  const directory = config.rpcProxyUrl ? undefined : createMethodDirectory({ load: () => o.broker.methods(), logger: o.logger });
  const metrics = createMetrics({ knownMethods: directory?.has });
  let server: GatewayServer | undefined;
  const http = createHttpHandler({
    broker: o.broker,
    metrics,
    apiKey: config.apiKey,
    logger: o.logger,
    fallback: o.fallback,
    health: () => ({ gateway: config.gatewayId, ...server?.core.stats() }),
  });
  server = await startGateway({
    broker: o.broker,
    verify: createVerifier(verifierOptions(config)),
    gatewayId: config.gatewayId,
    port: config.port,
    host: config.host,
    allowedOrigins: config.allowedOrigins,
    heartbeatMs: config.heartbeatMs,
    authTimeoutMs: config.authTimeoutMs,
    callTimeoutMs: config.callTimeoutMs,
    maxFrameBytes: config.maxFrameBytes,
    callsPerSecond: config.callsPerSecond,
    maxPendingCalls: config.maxPendingCalls,
    ...limitOptions(config),
    roomPolicy: roomPolicyFromConfig(config, { authorizeRoom: o.authorizeRoom, logger: o.logger }),
    maxBufferedBytes: config.maxBufferedBytes,
    replayMaxBytes: config.replayMaxBytes,
    replayStallMs: config.replayStallMs,
    resendWindowMs: config.resendWindowMs,
    tokenExpiringMs: config.tokenExpiringMs,
    proxy: config.rpcProxyUrl ? createRpcProxy(config.rpcProxyUrl, { timeoutMs: config.callTimeoutMs }) : undefined,
    methods: directory,
    describe: o.describe,
    logger: o.logger,
    http,
    onUpgradeRefused: (reason) => metrics.upgradeRefused(reason),
    hooks: {
      callDone: (method, outcome, seconds) => metrics.callDone(method, outcome, seconds),
      connectionOpened: () => metrics.connectionOpened(),
      connectionClosed: () => metrics.connectionClosed(),
      brokerError: (op) => metrics.brokerError(op),
      limitTripped: (limit) => metrics.limitTripped(limit),
      authRefused: (kind) => metrics.authRefused(kind),
      roomRefused: (action, rule) => metrics.roomRefused(action, rule),
    },
  });
  o.logger.info({ url: server.url, gateway: config.gatewayId, broker: o.broker.name }, 'gateway listening');
  const close = server.close;
  server.close = (graceMs) => {
    directory?.close();
    return close(graceMs);
  };
  return server;
}

/** A worker from its configuration, running `methods`. */
export function runWorker(
  config: Pick<WorkerConfig, 'workerName' | 'concurrency' | 'claimIdleMs' | 'maxDeliveries'>,
  o: { broker: Broker; logger: Logger; methods: MethodDefinition[] },
): Worker {
  const worker = createWorker({
    broker: o.broker,
    methods: o.methods,
    name: config.workerName,
    batch: config.concurrency,
    claimIdleMs: config.claimIdleMs,
    maxDeliveries: config.maxDeliveries,
    logger: o.logger,
  });
  o.logger.info({ worker: worker.name, methods: o.methods.map((m) => m.name) }, 'worker running');
  return worker;
}

/** Run `stop` on SIGTERM or SIGINT, once, then exit. */
export function onShutdown(logger: Logger, stop: () => Promise<void>) {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => handler('SIGTERM'));
  process.once('SIGINT', () => handler('SIGINT'));
}

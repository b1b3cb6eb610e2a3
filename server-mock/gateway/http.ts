/**
 * The gateway's plain HTTP side: `GET /health` for load balancers, `GET /metrics` for
 * Prometheus, and `POST /api/publish` for backends pushing events (also at `POST /api`, the
 * path of Centrifugo v4's server API, which django-cfg's direct client posts to).
 *
 * The handler never throws and never leaves a request hanging: every failure is a JSON answer
 * (`{ "error": "…" }`), and an unexpected one is also a log line. Statuses say whose fault it
 * is: 400 the body (with what is wrong), 401 no key, 403 a wrong key, 413 too large, 503 only
 * the broker being out of reach (retry later), 500 anything else (a bug: retrying will not help).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { BrokerUnavailableError, type Broker, type StoredEvent } from '../broker/broker.ts';
import type { Metrics } from './metrics.ts';
import { checkApiKey, parsePublishBody, publishResponse } from './publish-api.ts';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface HttpHandlerOptions {
  /** Only these three members are used, which keeps the handler testable with any broker. */
  broker: Pick<Broker, 'name' | 'ping' | 'publish'>;
  metrics: Metrics;
  /** Key of the publish API; absent: the API answers 404 (disabled). */
  apiKey?: string | undefined;
  /** More fields for `/health` (connections, uptime, version…). It cannot override `status`, `broker` or `brokerOk`. */
  health: () => object;
  logger: Logger;
  /** Largest publish body accepted; larger ones get 413. @default 1048576 (1 MiB) */
  maxBodyBytes?: number;
  /** How long `/health` waits for `broker.ping()` before reporting the broker down. @default 1000 */
  pingTimeoutMs?: number;
  /** Handles every path this handler does not know (e.g. the demo's static files). Absent: 404 JSON. */
  fallback?: RequestHandler;
}

type Route = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Thrown when the client goes away mid-body: nothing to answer, nothing to alarm anyone about. */
class ClientGone extends Error {}

export function createHttpHandler(options: HttpHandlerOptions): RequestHandler {
  const { broker, metrics, apiKey, health, logger, maxBodyBytes = 1_048_576, pingTimeoutMs = 1000, fallback } = options;

  const getHealth: Route = async (_req, res) => {
    const brokerOk = await pingWithin(pingTimeoutMs);
    const own = { status: brokerOk ? 'ok' : 'degraded', broker: broker.name, brokerOk };
    // `own` first for the key order people read, last so `health()` cannot overwrite it.
    sendJson(res, brokerOk ? 200 : 503, { ...own, ...health(), ...own });
  };

  const getMetrics: Route = async (_req, res) => {
    const text = await metrics.render();
    res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' }).end(text);
  };

  const postPublish: Route = async (req, res) => {
    if (apiKey === undefined) return sendJson(res, 404, { error: 'the publish API is disabled: the gateway has no API_KEY' }, true);
    // Refuse before reading the body, so a caller without the key cannot make us buffer a MiB.
    const key = checkApiKey(req.headers, apiKey);
    if (key === 'missing') {
      logger.warn({ remote: req.socket.remoteAddress }, 'publish refused: no API key');
      return sendJson(res, 401, { error: 'no API key: send it as X-API-Key: <key> or Authorization: Bearer <key>' }, true, { 'www-authenticate': 'Bearer' });
    }
    if (key === 'wrong') {
      logger.warn({ remote: req.socket.remoteAddress }, 'publish refused: wrong API key');
      return sendJson(res, 403, { error: 'wrong API key' }, true);
    }
    const declared = Number(req.headers['content-length']);
    if (declared > maxBodyBytes) return tooLarge(res);
    const raw = await readBody(req, maxBodyBytes);
    if (raw === undefined) return tooLarge(res);

    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      return sendJson(res, 400, { error: `body is not JSON: ${(err as Error).message}` });
    }
    const parsed = parsePublishBody(json);
    if (!parsed.ok) return sendJson(res, parsed.status, { error: parsed.message });

    let stored: StoredEvent;
    try {
      stored = await broker.publish(parsed.target, parsed.body);
    } catch (err) {
      if (!isBrokerFailure(err)) {
        // The body passed validation, so this is the gateway's bug: a 503 would have the caller retry forever.
        logger.error({ err, target: parsed.target }, 'publish failed: the broker refused a validated event');
        return sendJson(res, 500, { error: 'internal error: the event could not be stored' });
      }
      metrics.brokerError('publish');
      logger.error({ err, target: parsed.target }, 'publish failed: broker error');
      return sendJson(res, 503, { error: 'the broker is unavailable; retry later' }, false, { 'retry-after': '1' });
    }
    metrics.eventPublished(parsed.target);
    logger.debug({ target: parsed.target, offset: stored.offset }, 'published');
    sendJson(res, 200, publishResponse(parsed.kind, stored));
  };

  const routes: Record<string, Partial<Record<string, Route>>> = {
    '/health': { GET: getHealth, HEAD: getHealth },
    '/metrics': { GET: getMetrics, HEAD: getMetrics },
    '/api/publish': { POST: postPublish },
    '/api': { POST: postPublish },
  };

  async function pingWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), ms);
    });
    try {
      const ok = await Promise.race([broker.ping(), timeout]);
      if (ok === true) return true;
      metrics.brokerError('ping');
      logger.warn({ broker: broker.name, result: ok }, 'health: the broker did not answer the ping');
      return false;
    } catch (err) {
      metrics.brokerError('ping');
      logger.warn({ err, broker: broker.name }, 'health: the broker ping failed');
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  function tooLarge(res: ServerResponse) {
    sendJson(res, 413, { error: `body larger than ${maxBodyBytes} bytes` }, true);
  }

  async function dispatch(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const methods = routes[path];
    const route = methods?.[req.method ?? ''];
    if (route) return route(req, res);
    if (methods) return sendJson(res, 405, { error: `${req.method} not allowed on ${path}` }, false, { allow: Object.keys(methods).join(', ') });
    if (fallback) return fallback(req, res);
    sendJson(res, 404, { error: `no such endpoint: ${req.method} ${path}` });
  }

  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    dispatch(req, res, path).catch((err: unknown) => {
      if (err instanceof ClientGone) {
        logger.debug({ path }, 'http: the client went away before sending its whole body');
        return;
      }
      logger.error({ err, method: req.method, path }, 'http: request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' }, true);
      else res.destroy();
    });
  };
}

/**
 * Whether a failed publish means the broker is out of reach (`BrokerUnavailableError`: retry
 * later, 503), rather than the broker refusing the event (a Redis error reply, a bug: 500).
 */
export function isBrokerFailure(err: unknown): boolean {
  return err instanceof BrokerUnavailableError;
}

/**
 * Answers with JSON. `close` drops the connection afterwards, for answers given before a body
 * that may be large was read: otherwise Node would read (and discard) all of it to keep the
 * connection alive.
 */
function sendJson(res: ServerResponse, status: number, body: unknown, close = false, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...(close && { connection: 'close' }),
    ...headers,
  });
  res.end(text);
}

/** The whole body, or `undefined` once it passes `limit` (the rest is left unread). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        resolve(undefined);
      } else chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onGone = () => {
      cleanup();
      reject(new ClientGone());
    };
    const cleanup = () => {
      req.off('data', onData).off('end', onEnd).off('error', onGone).off('close', onGone);
    };
    req.on('data', onData).on('end', onEnd).on('error', onGone).on('close', onGone);
  });
}

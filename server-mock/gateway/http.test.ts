import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nanoid } from 'nanoid';
import { pino } from 'pino';
import * as z from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerUnavailableError, type Broker } from '../broker/broker.ts';
import { createMemoryBroker } from '../broker/memory.ts';
import { allEvents } from '../broker/contract.ts';
import { createHttpHandler, type HttpHandlerOptions } from './http.ts';
import { createMetrics, type Metrics } from './metrics.ts';

const KEY = 'publish-key-for-tests';

interface Harness {
  url: string;
  broker: Broker;
  metrics: Metrics;
  logs: Array<{ level: number; msg: string }>;
}

const open: Array<{ server: Server; broker: Broker }> = [];
afterEach(async () => {
  for (const { server, broker } of open.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await broker.close();
  }
});

/** A real node:http server on a free port, with a real memory broker on keys of its own. */
async function start(over: Partial<HttpHandlerOptions> & { broker?: Broker } = {}): Promise<Harness> {
  const broker = over.broker ?? createMemoryBroker({ prefix: `http-test:${nanoid(8)}:` });
  const metrics = createMetrics({ defaultMetrics: false });
  const logs: Harness['logs'] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as Harness['logs'][number]) });
  const handler = createHttpHandler({ broker, metrics, apiKey: KEY, health: () => ({ connections: 3 }), logger, pingTimeoutMs: 100, ...over });
  const server = createServer(handler);
  open.push({ server, broker });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, broker, metrics, logs };
}

/** A memory broker that also records the target of every publish. */
function recording() {
  const memory = createMemoryBroker({ prefix: `http-test:${nanoid(8)}:` });
  const published: unknown[] = [];
  const broker: Broker = { ...memory, publish: (target, body) => (published.push(target), memory.publish(target, body)) };
  return { broker, published };
}

const publish = (url: string, body: unknown, headers: Record<string, string> = { 'x-api-key': KEY }, path = '/api/publish') =>
  fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('GET /health', () => {
  it('answers 200 with the broker, its ping and the extra fields', async () => {
    const { url } = await start();
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({ status: 'ok', broker: 'memory', brokerOk: true, connections: 3 });
  });

  it('keeps status, broker and brokerOk its own even if health() names them', async () => {
    const { url } = await start({ health: () => ({ status: 'fine', brokerOk: 'sure', uptime: 1 }) });
    expect(await (await fetch(`${url}/health?probe=1`)).json()).toEqual({ status: 'ok', broker: 'memory', brokerOk: true, uptime: 1 });
  });

  it('answers 503 degraded when the broker says it is down', async () => {
    const broker = createMemoryBroker({ prefix: `http-test:${nanoid(8)}:` });
    await broker.close();
    const { url, metrics } = await start({ broker });
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'degraded', brokerOk: false });
    expect(await metrics.render()).toContain('tether_broker_errors_total{op="ping"} 1');
  });

  it('answers 503 degraded, in time, when the ping hangs or fails', async () => {
    const memory = createMemoryBroker({ prefix: `http-test:${nanoid(8)}:` });
    // A broker whose ping never settles: the memory broker cannot be made to hang.
    const { url } = await start({ broker: { ...memory, ping: () => new Promise<boolean>(() => {}) } });
    const t0 = Date.now();
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(503);
    expect(Date.now() - t0).toBeLessThan(1000);

    const failing = await start({ broker: { ...memory, ping: () => Promise.reject(new Error('ECONNREFUSED')) } });
    expect((await fetch(`${failing.url}/health`)).status).toBe(503);
    expect(failing.logs.some((l) => l.msg === 'health: the broker ping failed')).toBe(true);
  });

  it('answers HEAD like GET, without a body', async () => {
    const { url } = await start();
    const res = await fetch(`${url}/health`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });
});

describe('GET /metrics', () => {
  it('serves the Prometheus text of the registry', async () => {
    const { url, metrics } = await start();
    metrics.connectionOpened();
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(metrics.contentType);
    const text = await res.text();
    expect(text).toContain('# TYPE tether_connections gauge');
    expect(text).toContain('tether_connections 1');
  });
});

describe('POST /api/publish', () => {
  it('publishes a Tether body, answers with its offset, and counts it', async () => {
    const { url, broker, metrics } = await start();
    const res = await publish(url, { user: '42', type: 'order.shipped', message: 'On its way', data: { id: 7 } });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { offset: string; ts: number };
    expect(answer).toEqual({ offset: expect.stringMatching(/^[\w-]+:\d+-\d+$/), ts: expect.any(Number) });
    const events = await allEvents(broker, { kind: 'user', user: '42' });
    expect(events).toEqual([{ type: 'order.shipped', message: 'On its way', data: { id: 7 }, offset: answer.offset, ts: answer.ts }]);
    expect(await metrics.render()).toContain('tether_events_total{kind="notification"} 1');
  });

  it("takes django-cfg's Centrifugo v4 command at /api with Authorization: apikey", async () => {
    const { url, broker } = await start();
    const data = { event_type: 'status_change', old_status: 'a', new_status: 'b' };
    const res = await publish(url, { method: 'publish', params: { channel: 'notifications#user#9', data } }, { authorization: `apikey ${KEY}` }, '/api');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ result: {} });
    const events = await allEvents(broker, { kind: 'user', user: '9' });
    expect(events).toMatchObject([{ type: 'status_change', data }]);
  });

  it('takes the Centrifugo v5 body with Authorization: Bearer, for a room', async () => {
    const { url, broker, metrics } = await start();
    const res = await publish(url, { channel: 'game_1', data: { type: 'move', x: 1 } }, { authorization: `Bearer ${KEY}` });
    expect(await res.json()).toEqual({ result: {} });
    expect(await allEvents(broker, { kind: 'room', room: 'game_1' })).toMatchObject([{ event: 'move', data: { type: 'move', x: 1 } }]);
    expect(await metrics.render()).toContain('tether_events_total{kind="room"} 1');
  });

  it('answers 401 saying how to send a key when there is none, and publishes nothing', async () => {
    const { broker: memory, published } = recording();
    const { url, logs } = await start({ broker: memory });
    const attempts: Record<string, string>[] = [{}, { authorization: `Basic ${KEY}` }, { 'x-api-key': '' }];
    for (const headers of attempts) {
      const res = await publish(url, { broadcast: true, type: 't' }, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(await res.json()).toEqual({ error: 'no API key: send it as X-API-Key: <key> or Authorization: Bearer <key>' });
    }
    expect(published).toEqual([]);
    expect(logs.filter((l) => l.msg === 'publish refused: no API key')).toHaveLength(3);
  });

  it('answers 403 to a wrong key, and publishes nothing', async () => {
    const { broker: memory, published } = recording();
    const { url, logs } = await start({ broker: memory });
    const attempts: Record<string, string>[] = [{ 'x-api-key': 'wrong' }, { authorization: 'apikey wrong' }, { authorization: `Bearer ${KEY}x` }];
    for (const headers of attempts) {
      const res = await publish(url, { broadcast: true, type: 't' }, headers);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: 'wrong API key' });
    }
    expect(published).toEqual([]);
    expect(logs.filter((l) => l.msg === 'publish refused: wrong API key')).toHaveLength(3);
    expect(JSON.stringify(logs)).not.toContain(KEY);
  });

  it('answers 404 when no API key is configured', async () => {
    const { url } = await start({ apiKey: undefined });
    const res = await publish(url, { broadcast: true, type: 't' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'the publish API is disabled: the gateway has no API_KEY' });
  });

  it('answers 400 to a body that is not JSON, or not a publish', async () => {
    const { url } = await start();
    const notJson = await publish(url, '{"user":');
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: string }).error).toMatch(/^body is not JSON: /);
    const wrong = await publish(url, { user: '1' });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual({ error: 'type: Invalid input: expected string, received undefined' });
  });

  it('answers 413 to a declared body over the limit without reading it', async () => {
    const { url } = await start({ maxBodyBytes: 1024 });
    const res = await publish(url, { broadcast: true, type: 't', data: 'x'.repeat(2000) });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: 'body larger than 1024 bytes' });
    expect((await publish(url, { broadcast: true, type: 't', data: 'x'.repeat(900) })).status).toBe(200);
  });

  it('answers 413 to a chunked body once it passes the limit', async () => {
    const { url } = await start({ maxBodyBytes: 1024 });
    const { port } = new URL(url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/api/publish', method: 'POST', headers: { 'x-api-key': KEY } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      // No content-length: the limit can only be found while reading.
      req.write('{"broadcast":true,"type":"t","data":"');
      req.write('x'.repeat(4096));
    });
    expect(status).toBe(413);
  });

  it('answers 503 with Retry-After and counts a broker error when the broker is down', async () => {
    const broker = createMemoryBroker({ prefix: `http-test:${nanoid(8)}:` });
    await broker.close();
    const { url, metrics, logs } = await start({ broker });
    const res = await publish(url, { room: 'r', event: 'e' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toEqual({ error: 'the broker is unavailable; retry later' });
    expect(await metrics.render()).toContain('tether_broker_errors_total{op="publish"} 1');
    expect(logs.some((l) => l.level === 50 && l.msg === 'publish failed: broker error')).toBe(true);
  });
});

describe('POST /api/publish: whose fault it is', () => {
  it('answers 500, not 503, when the broker throws a validation error: retrying would not help', async () => {
    const memory = createMemoryBroker({ prefix: `http-test:${nanoid(8)}:` });
    // The Redis broker parses what it stored with zod; a mismatch with the API's validation throws like this.
    const refusing: Broker = { ...memory, publish: async () => z.object({ offset: z.string(), ts: z.number(), event: z.string() }).parse({}) };
    const { url, metrics, logs } = await start({ broker: refusing });
    const res = await publish(url, { room: 'r', event: 'e' });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'internal error: the event could not be stored' });
    expect(await metrics.render()).not.toContain('tether_broker_errors_total{op="publish"}');
    expect(logs.some((l) => l.msg === 'publish failed: the broker refused a validated event')).toBe(true);
  });

  it('answers 503 when Redis is out of reach (connection refused)', async () => {
    const memory = createMemoryBroker({ prefix: `http-test:${nanoid(8)}:` });
    // How a broker says it is out of reach (the Redis broker wraps ECONNREFUSED and timeouts in it).
    const down = { ...memory, publish: () => Promise.reject(new BrokerUnavailableError('connect ECONNREFUSED 127.0.0.1:6379', false)) };
    const { url } = await start({ broker: down });
    expect((await publish(url, { broadcast: true, type: 't' })).status).toBe(503);
  });

  it.each([
    ['user#42', { kind: 'user', user: '42' }],
    ['notifications#user#42', { kind: 'user', user: '42' }],
    ['broadcast', { kind: 'broadcast' }],
    ['$board', { kind: 'room', room: '$board' }],
    ['dialog#alice,bob', { kind: 'room', room: 'dialog#alice,bob' }],
    ['user#42,43', { kind: 'room', room: 'user#42,43' }],
    ['game_1', { kind: 'room', room: 'game_1' }],
  ])('delivers Centrifugo channel %s where the room rules read it', async (channel, target) => {
    const { broker, published } = recording();
    const { url } = await start({ broker });
    const res = await publish(url, { channel, data: { type: 't' } });
    expect(res.status).toBe(200);
    expect(published).toEqual([target]);
  });
});

describe('everything else', () => {
  it('answers 404 JSON to an unknown path and 405 to a known path with the wrong method', async () => {
    const { url } = await start();
    const missing = await fetch(`${url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'no such endpoint: GET /nope' });
    const wrongMethod = await fetch(`${url}/api/publish`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });

  it('hands unknown paths to the fallback when there is one', async () => {
    const { url } = await start({ fallback: (_req, res) => void res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>demo</h1>') });
    expect(await (await fetch(`${url}/index.html`)).text()).toBe('<h1>demo</h1>');
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it('turns an unexpected failure into a 500 JSON answer and a log line', async () => {
    const { url, logs } = await start({
      health: () => {
        throw new Error('boom');
      },
    });
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'internal error' });
    expect(logs).toContainEqual(expect.objectContaining({ level: 50, msg: 'http: request failed', err: expect.objectContaining({ message: 'boom' }) }));
    // The server is still serving.
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
  });
});

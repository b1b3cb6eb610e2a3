/**
 * N gateways × M workers on a real Redis, as separate processes (the CLIs), so they can be
 * killed: calls spread over workers, a worker SIGKILLed mid-call has its call finished by
 * another and answered once, rooms and notifications span gateways and reach nobody else,
 * and a call resent after its gateway died is answered without running again.
 */
import { once } from 'node:events';
import { nanoid } from 'nanoid';
import { WebSocket } from 'ws';
import { afterAll, afterEach, expect, it } from 'vitest';
import { createClient, type Client } from '../src/core/client.ts';
import type { Broker } from './broker/broker.ts';
import { signDevToken } from './gateway/auth.ts';
import { freePort, runCli, stopAll } from './testing/processes.ts';
import { describeWithRedis, redisUrl } from './testing/redis.ts';
import { until } from './testing/system.ts';

const SECRET = 'cluster-test-secret-cluster-test-secret';
const token = (user: string) => signDevToken(SECRET, user, 600);

await describeWithRedis('cluster on Redis', () => {
  let prefix = '';
  const clients: Client[] = [];
  let broker: Broker | undefined;

  const gateway = async () => {
    const port = await freePort();
    const child = await runCli('gateway', { REDIS_URL: redisUrl, PREFIX: prefix, JWT_SECRET: SECRET, PORT: String(port), HEARTBEAT_MS: '1000', PUBLIC_ROOMS: '*' });
    return Object.assign(child, { url: `ws://127.0.0.1:${port}` });
  };
  const worker = (name: string) =>
    runCli('worker', { REDIS_URL: redisUrl, PREFIX: prefix, WORKER_NAME: name, CLAIM_IDLE_MS: '500', MAX_DELIVERIES: '5' });
  const client = (user: string, url: string | (() => string), extra: Record<string, unknown> = {}) => {
    const c = createClient({ url, token: () => token(user), WebSocket, random: () => 0, ...extra });
    clients.push(c);
    return c;
  };
  const connected = (c: Client) => until(() => c.getSnapshot().state === 'connected', 8000);
  /** A broker in the test process, on the same keys: a backend publishing events. */
  const backend = async () => {
    const { createRedisBroker } = await import('./broker/redis.ts');
    return (broker = await createRedisBroker({ url: redisUrl, prefix, onError: () => {} }));
  };

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await broker?.close();
    broker = undefined;
    await stopAll();
  });
  afterAll(stopAll);
  const fresh = () => (prefix = `tether-cluster:${nanoid(6)}:`);

  it('spreads calls over both workers', async () => {
    fresh();
    const [g1] = await Promise.all([gateway(), worker('w1'), worker('w2')]);
    const c = client('alice', g1.url);
    await connected(c);
    const seen = new Set<string>();
    for (let i = 0; i < 40 && seen.size < 2; i++) {
      const batch = await Promise.all(Array.from({ length: 8 }, () => c.call('demo.where') as Promise<{ worker: string }>));
      for (const r of batch) seen.add(r.worker);
    }
    expect([...seen].sort()).toEqual(['w1', 'w2']);
    // The gateway process has no methods of its own: it describes what the workers announced.
    const { methods } = (await c.call('system.describe')) as { methods: Record<string, unknown> };
    expect(Object.keys(methods)).toEqual(expect.arrayContaining(['orders.create', 'demo.where']));
  }, 30_000);

  it('finishes a call whose worker was SIGKILLed mid-call on another worker, and answers it once', async () => {
    fresh();
    const [g1, doomed] = await Promise.all([gateway(), worker('doomed')]);
    const ws = new WebSocket(g1.url, 'tether.v1');
    const frames: { id?: string; method?: string; result?: unknown; error?: unknown }[] = [];
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString());
      if (f.method === 'ping') return ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'pong' }));
      frames.push(f);
    });
    await new Promise((r) => ws.on('open', r));
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 'a', method: 'auth', params: { token: await token('alice') } }));
    await until(() => frames.some((f) => f.id === 'a'));
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 'slow', method: 'demo.slow', params: { ms: 1500 } }));
    await new Promise((r) => setTimeout(r, 300)); // the doomed worker has taken it
    await worker('rescuer');
    doomed.kill('SIGKILL');
    await until(() => frames.some((f) => f.id === 'slow'), 10_000);
    await new Promise((r) => setTimeout(r, 1500)); // time for a second answer, if there were one
    expect(frames.filter((f) => f.id === 'slow')).toEqual([{ jsonrpc: '2.0', id: 'slow', result: { waited: 1500 } }]);
    ws.close();
  }, 30_000);

  it('lets a worker stopped with SIGTERM finish the call it runs before it exits', async () => {
    fresh();
    const [g1, w] = await Promise.all([gateway(), worker('leaving')]);
    const c = client('alice', g1.url);
    await connected(c);
    const slow = c.call('demo.slow', { ms: 800 });
    await new Promise((r) => setTimeout(r, 200));
    w.kill('SIGTERM');
    const [code] = await once(w, 'exit');
    expect(code).toBe(0);
    await expect(slow).resolves.toEqual({ waited: 800 });
  }, 30_000);

  it('delivers room messages across gateways, to members only', async () => {
    fresh();
    const [g1, g2] = await Promise.all([gateway(), gateway(), worker('w1')]);
    const onA = client('alice', g1.url);
    const onB = client('bob', g2.url);
    const outsider = client('carol', g2.url);
    const got: unknown[] = [];
    const leaked: unknown[] = [];
    onB.room('game').on('message', (m) => got.push(m.data));
    outsider.room('game').on('message', (m) => leaked.push(m.data));
    await Promise.all([connected(onA), connected(onB), connected(outsider)]);
    await onA.room('game').join();
    await onB.room('game').join();
    await until(() => onA.room('game').getSnapshot().members.length === 2, 5000);
    await onA.room('game').publish('move', { x: 1 });
    await until(() => got.length === 1, 5000);
    expect(got).toEqual([{ x: 1 }]);
    expect(leaked).toEqual([]);
  }, 30_000);

  it('notifies a user on every gateway it is connected to, and nobody else', async () => {
    fresh();
    const [g1, g2] = await Promise.all([gateway(), gateway()]);
    const b = await backend();
    const alice1 = client('alice', g1.url);
    const alice2 = client('alice', g2.url);
    const bob = client('bob', g1.url);
    const got = { alice1: 0, alice2: 0, bob: 0 };
    alice1.on('notification', () => got.alice1++);
    alice2.on('notification', () => got.alice2++);
    bob.on('notification', () => got.bob++);
    await Promise.all([connected(alice1), connected(alice2), connected(bob)]);
    await b.publish({ kind: 'user', user: 'alice' }, { type: 'hello' });
    await until(() => got.alice1 === 1 && got.alice2 === 1, 5000);
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toEqual({ alice1: 1, alice2: 1, bob: 0 });
  }, 30_000);

  it('answers a call resent after its gateway died without running it again', async () => {
    fresh();
    const [g1, g2] = await Promise.all([gateway(), gateway(), worker('w1')]);
    let url = g1.url;
    const c = client('alice', () => url);
    await connected(c);
    const created = c.call('orders.create', { sku: 'X', qty: 1, delayMs: 1000 });
    await new Promise((r) => setTimeout(r, 300));
    url = g2.url; // the load balancer now sends the client to the surviving gateway
    g1.kill('SIGKILL');
    const order = await created;
    expect(order).toMatchObject({ sku: 'X', user: 'alice' });
    expect(await c.call('orders.runs')).toEqual({ runs: 1 });
    expect(await c.call('orders.list')).toEqual([order]);
  }, 30_000);
});

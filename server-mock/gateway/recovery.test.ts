/**
 * What the gateway promises a reconnecting or connected client about its streams: every
 * event once, or a `gap` said before anything is replayed. Replays larger than the socket's
 * buffer go out at the pace the client reads them; live delivery survives the broker's
 * subscriber going away; a broker that is down answers calls -32005 instead of queueing them.
 */
import { nanoid } from 'nanoid';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import type { Client } from '../../src/core/client.ts';
import { RpcError } from '../../src/protocol/rpc-error.ts';
import type { Broker } from '../broker/broker.ts';
import { createMemoryBroker } from '../broker/memory.ts';
import { createRedisBroker } from '../broker/redis.ts';
import { startRedisServer, type RedisServer } from '../testing/redis-server.ts';
import { describeWithRedis, redisUrl } from '../testing/redis.ts';
import { startSystem, until } from '../testing/system.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type System = Awaited<ReturnType<typeof startSystem>>;

/** Every notification a client received, by type, and the gaps and close codes it saw. */
function watch(c: Client) {
  const got = new Map<string, number>();
  const gaps: unknown[] = [];
  const codes: number[] = [];
  c.on('notification', (n) => got.set(n.type, (got.get(n.type) ?? 0) + 1));
  c.on('gap', (g) => gaps.push(g));
  c.on('state', (s) => s.code !== undefined && s.to === 'reconnecting' && codes.push(s.code));
  return { got, gaps, codes };
}

function replaySuite(openBroker: () => Promise<Broker>) {
  let system: System | undefined;
  let broker: Broker | undefined;
  const start = async (o: Parameters<typeof startSystem>[0] = {}) =>
    (system = await startSystem({ broker: (broker = await openBroker()), ...o }));
  afterEach(async () => {
    await system?.stop();
    await broker?.close();
    system = broker = undefined;
  });

  it('replays more than maxBufferedBytes of missed events at the pace the client reads them, each once, without a slow-consumer close', async () => {
    const s = await start();
    const c = s.client('alice', { random: () => 0 });
    const w = watch(c);
    await until(() => c.getSnapshot().state === 'connected');
    await s.broker.publish({ kind: 'user', user: 'alice' }, { type: 'seen' });
    await until(() => w.got.get('seen') === 1);
    c.close();
    // 100 × 64 KB: about six times the default 1 MiB a socket may hold unsent.
    const big = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 100; i++) await s.broker.publish({ kind: 'user', user: 'alice' }, { type: `missed-${i}`, data: big });
    c.connect();
    await until(() => w.got.size === 101 || w.gaps.length > 0, 20_000);
    console.log(`large replay: ${w.got.size - 1} of 100 delivered, ${w.gaps.length} gaps, closes ${JSON.stringify(w.codes)}`);
    expect(w.gaps).toEqual([]);
    expect([...w.got.values()].every((n) => n === 1)).toBe(true);
    expect(w.codes).toEqual([]);
  }, 30_000);

  it('ends a replay far larger than its budget in an explicit gap, not a close loop', async () => {
    const s = await start({ gateway: { replayMaxBytes: 256 * 1024 } });
    const c = s.client('alice', { random: () => 0 });
    const w = watch(c);
    await until(() => c.getSnapshot().state === 'connected');
    await s.broker.publish({ kind: 'user', user: 'alice' }, { type: 'seen' });
    await until(() => w.got.get('seen') === 1);
    c.close();
    const big = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 40; i++) await s.broker.publish({ kind: 'user', user: 'alice' }, { type: `missed-${i}`, data: big });
    c.connect();
    await until(() => w.gaps.length > 0, 10_000);
    await s.broker.publish({ kind: 'user', user: 'alice' }, { type: 'after' });
    await until(() => w.got.get('after') === 1);
    expect(w.gaps).toEqual([{ stream: 'user' }]);
    // Nothing of the replay was delivered: the client refetches instead.
    expect([...w.got.keys()].filter((k) => k.startsWith('missed'))).toEqual([]);
    expect(w.codes).toEqual([]);
  }, 30_000);

  it('loses no broadcast published while a resuming client authenticates', async () => {
    const s = await start();
    const c = s.client('alice', { random: () => 0 });
    const got: string[] = [];
    const gaps: unknown[] = [];
    c.on('broadcast', (b) => got.push(b.type));
    c.on('gap', (g) => gaps.push(g));
    await until(() => c.getSnapshot().state === 'connected');
    await s.broker.publish({ kind: 'broadcast' }, { type: 'b0' });
    await until(() => got.length === 1);
    c.close();
    let n = 1;
    for (; n < 20; n++) await s.broker.publish({ kind: 'broadcast' }, { type: `b${n}` });
    // Keep publishing while the client reconnects: some arrive live during its handshake.
    let publishing = true;
    const publisher = (async () => {
      while (publishing) {
        await s.broker.publish({ kind: 'broadcast' }, { type: `b${n++}` });
        await new Promise((r) => setImmediate(r));
      }
    })();
    c.connect();
    await until(() => c.getSnapshot().state === 'connected');
    await sleep(100);
    publishing = false;
    await publisher;
    await until(() => got.length === n || gaps.length > 0, 5000).catch(() => {});
    expect(gaps).toEqual([]);
    expect(got).toEqual(Array.from({ length: n }, (_, i) => `b${i}`));
  });

  it('says "not recovered" in the auth result before any replayed event', async () => {
    const s = await start();
    const t = { kind: 'user', user: 'alice' } as const;
    const first = await s.broker.publish(t, { type: 'first' });
    // More than the history keeps: `first` and what came right after it are trimmed.
    for (let i = 0; i < 1005; i++) await s.broker.publish(t, { type: `e${i}` });
    const ws = new WebSocket(s.gateway.url, 'tether.v1');
    const frames: { id?: string; method?: string; result?: { recovered?: { user?: boolean } } }[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
    await new Promise((r) => ws.on('open', r));
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 'a', method: 'auth', params: { token: await s.token('alice'), resume: { user: first.offset } } }));
    await until(() => frames.some((f) => f.id === 'a'));
    await sleep(100);
    ws.close();
    const at = frames.findIndex((f) => f.id === 'a');
    expect(frames[at]!.result!.recovered!.user).toBe(false);
    expect(frames.slice(0, at).filter((f) => f.method === 'notification')).toEqual([]);
  });
}

describe('replays, on the memory broker', () => replaySuite(async () => createMemoryBroker({ prefix: `rec-${nanoid(6)}:` })));
await describeWithRedis('replays, on the Redis broker', () =>
  replaySuite(async () => createRedisBroker({ url: redisUrl, prefix: `tether-test:rec-${nanoid(6)}:`, onError: () => {} })),
);

await describeWithRedis('a Redis that restarts or is away', () => {
  let system: System | undefined;
  let redis: RedisServer | undefined;
  const brokers: Broker[] = [];
  const broker = async (url: string) => {
    const b = await createRedisBroker({ url, prefix: 'tether:', onError: () => {}, brokerTimeoutMs: 1000 });
    brokers.push(b);
    return b;
  };
  afterEach(async () => {
    await system?.stop();
    await Promise.all(brokers.splice(0).map((b) => b.close()));
    await redis?.stop();
    system = redis = undefined;
  });

  it('delivers every event published around a Redis restart once, or tells the client gap', async () => {
    redis = await startRedisServer();
    system = await startSystem({ broker: await broker(redis.url) });
    const backend = await broker(redis.url);
    const c = system.client('alice', { random: () => 0 });
    const w = watch(c);
    await until(() => c.getSnapshot().state === 'connected');
    const published: string[] = [];
    let publishing = true;
    const publisher = (async () => {
      for (let i = 0; publishing; i++) {
        const type = `n${i}`;
        // A publish that failed was not stored: try it again, as a backend would.
        for (;;) {
          try {
            await backend.publish({ kind: 'user', user: 'alice' }, { type });
            published.push(type);
            break;
          } catch {
            await sleep(50);
          }
        }
        await sleep(10);
      }
    })();
    await sleep(500);
    await redis.restart();
    await sleep(1500);
    publishing = false;
    await publisher;
    await until(() => published.every((t) => w.got.has(t)) || w.gaps.length > 0, 8000).catch(() => {});
    const lost = published.filter((t) => !w.got.has(t));
    const twice = [...w.got.values()].filter((n) => n > 1).length;
    console.log(`redis restart: ${published.length} published, ${lost.length} not delivered, ${twice} twice, ${w.gaps.length} gaps`);
    expect(twice).toBe(0);
    if (lost.length > 0) expect(w.gaps.length).toBeGreaterThan(0);
  }, 30_000);

  it('answers a call -32005 within brokerTimeoutMs while Redis is away, and never runs it later', async () => {
    redis = await startRedisServer();
    system = await startSystem({ broker: await broker(redis.url), gateway: { callTimeoutMs: 10_000 } });
    const c = system.client('alice', { random: () => 0 });
    await until(() => c.getSnapshot().state === 'connected');
    await c.call('orders.create', { sku: 'before', qty: 1 });
    await redis.kill();
    const started = Date.now();
    const error = await c.call('orders.create', { sku: 'during', qty: 1 }).catch((e: unknown) => e);
    const took = Date.now() - started;
    console.log(`redis away: call answered ${(error as RpcError).code} after ${took} ms`);
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe(-32005);
    expect(took).toBeLessThan(2500);
    await redis.start();
    await until(async () => (await c.call('orders.runs').catch(() => undefined)) !== undefined, 8000);
    await sleep(500);
    const { runs } = (await c.call('orders.runs')) as { runs: number };
    expect(runs).toBe(1);
  }, 30_000);
});

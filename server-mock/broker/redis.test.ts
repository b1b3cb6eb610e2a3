/**
 * The Redis broker against a real Redis: the shared broker contract, plus what only Redis
 * has (riding out a server restart, the dead-letter stream, reply streams that stay small).
 *
 * Needs Redis 7 at REDIS_URL or redis://127.0.0.1:6379. Without one the file is skipped
 * locally (with a warning saying how to start one) and fails on CI. Every broker here works
 * under a prefix of its own, and the keys under those prefixes are deleted afterwards.
 * The restart and outage tests start a private `redis-server` on a free port.
 */
import { Redis } from 'ioredis';
import { nanoid } from 'nanoid';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BrokerUnavailableError, keyPart, type Broker, type CallReply, type LiveEvent } from './broker.ts';
import { brokerContract, callRequest, eventually } from './contract.ts';
import { createRedisBroker, type RedisBrokerOptions } from './redis.ts';
import { startRedisServer } from '../testing/redis-server.ts';
import { describeWithRedis, redisUrl } from '../testing/redis.ts';

const url = redisUrl;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Prefixes the brokers of this file used, so their keys can be deleted at the end. */
const prefixes = new Set<string>();
const quiet = () => {};

await describeWithRedis('redis broker', () => {
  afterAll(async () => {
    const admin = new Redis(url);
    for (const prefix of prefixes) {
      const match = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
      for await (const batch of admin.scanStream({ match, count: 1000 })) {
        const found = batch as string[];
        if (found.length > 0) await admin.del(...found);
      }
    }
    admin.disconnect();
  });

  brokerContract('redis', (o) => {
    prefixes.add(o.prefix);
    return createRedisBroker({ ...o, url });
  });

  describe('redis broker', () => {
    const open: Broker[] = [];
    const make = async (o: Partial<RedisBrokerOptions> = {}) => {
      const prefix = `tether-test:${nanoid(8)}:`;
      prefixes.add(prefix);
      const broker = await createRedisBroker({ url, prefix, ...o });
      open.push(broker);
      return { broker, prefix };
    };
    const admin = new Redis(url);
    afterEach(async () => {
      await Promise.all(open.splice(0).map((b) => b.close()));
    });
    afterAll(() => admin.disconnect());

    const request = callRequest;

    it('keeps the payload of a call that failed too often in the dead-letter stream', async () => {
      const { broker, prefix } = await make();
      const got: CallReply[] = [];
      broker.replies('g1', (r) => got.push(r));
      let taken = false;
      const stuck = () => {
        taken = true;
        return new Promise<never>(() => {});
      };
      const first = broker.consume('w1', stuck, { methods: ['echo'], claimIdleMs: 100, maxDeliveries: 1 });
      const req = request();
      await broker.enqueue(req);
      await eventually(() => taken);
      first.kill();
      // The survivor takes the dead consumer's call over as its second delivery: one too many.
      broker.consume('w2', stuck, { methods: ['echo'], claimIdleMs: 100, maxDeliveries: 1 });
      await eventually(() => got.length === 1, 5000);
      expect(got[0]).toEqual({ id: req.id, user: 'u1', error: { code: -32603, message: 'Call failed after 1 deliveries' } });
      const dead = await admin.xrange(`${prefix}rpc:dead`, '-', '+');
      expect(dead).toHaveLength(1);
      const fields = dead[0]![1];
      expect(JSON.parse(fields[fields.indexOf('payload') + 1]!)).toEqual(req);
      // Acknowledged: nobody will deliver it again.
      expect((await admin.xpending(`${prefix}rpc:${keyPart('echo')}`, 'tether-workers'))[0]).toBe(0);
    });

    it('dead-letters a malformed request and answers -32600 when it can tell whom', async () => {
      const { broker, prefix } = await make();
      const got: CallReply[] = [];
      broker.replies('g1', (r) => got.push(r));
      let runs = 0;
      broker.consume('w1', async () => ({ result: ++runs }), { methods: ['echo'] });
      await admin.xadd(`${prefix}rpc:${keyPart('echo')}`, '*', 'payload', JSON.stringify({ id: 'bad1', user: 'u1', replyTo: 'g1', method: 7 }));
      await admin.xadd(`${prefix}rpc:${keyPart('echo')}`, '*', 'payload', 'not json');
      await eventually(async () => (await admin.xlen(`${prefix}rpc:dead`)) === 2);
      await eventually(() => got.length === 1);
      expect(got[0]).toEqual({ id: 'bad1', user: 'u1', error: { code: -32600, message: 'Invalid request' } });
      expect(runs).toBe(0);
      expect((await admin.xpending(`${prefix}rpc:${keyPart('echo')}`, 'tether-workers'))[0]).toBe(0);
    });

    it('leaves nothing in the reply stream after 200 calls', async () => {
      const { broker, prefix } = await make();
      const got: CallReply[] = [];
      broker.replies('g1', (r) => got.push(r));
      broker.consume('w1', async (req) => ({ result: req.params }), { methods: ['echo'] });
      for (let i = 0; i < 200; i++) await broker.enqueue(request({ params: i }));
      await eventually(() => got.length === 200, 10_000);
      await eventually(async () => (await admin.xlen(`${prefix}reply:g1`)) === 0);
    });

    it('reports recovered when only the offset itself was trimmed, by count or by age, even in a quiet room', async () => {
      const { broker } = await make({ historyMaxLen: 3, historyMaxAgeMs: 150 });
      const room = { kind: 'room', room: 'r' } as const;
      const first = await broker.publish(room, { event: 'e', data: 0 });
      for (let i = 1; i <= 3; i++) await broker.publish(room, { event: 'e', data: i });
      // `first` is gone, but nothing after it: a client that had it missed nothing.
      const byCount = await broker.history(room, first.offset);
      expect(byCount.recovered).toBe(true);
      expect(byCount.events.map((e) => e.data)).toEqual([1, 2, 3]);
      expect((await broker.history(room, '0-0')).recovered).toBe(false);

      // A quiet room: reading trims by age too, so stale events are not served.
      const last = byCount.events.at(-1)!;
      await sleep(200);
      expect(await broker.history(room, last.offset)).toEqual({ events: [], recovered: true, tip: last.offset });
      expect((await broker.history(room, '0-0')).events).toEqual([]);
      const later = await broker.publish(room, { event: 'e', data: 4 });
      expect(await broker.history(room, last.offset)).toEqual({ events: [later], recovered: true, tip: later.offset });
      expect((await broker.history(room, first.offset)).recovered).toBe(false);
    });

    it('serves calls and live events again after Redis restarts, and tells subscribers to resync', async () => {
      const server = await startRedisServer();
      try {
        const { broker } = await make({ url: server.url, onError: quiet, brokerTimeoutMs: 8000 });
        const got: CallReply[] = [];
        broker.replies('g1', (r) => got.push(r));
        broker.consume('w1', async (req) => ({ result: req.params }), { methods: ['echo'], claimIdleMs: 1000 });
        const live: LiveEvent[] = [];
        const room = { kind: 'room', room: 'r' } as const;
        broker.subscribe(room, (e) => live.push(e));
        await broker.enqueue(request({ params: 'before' }));
        await eventually(() => got.length === 1);

        // Everything is lost: no persistence, so the stream and the workers' group are gone too.
        await server.kill();
        // Waits (at most brokerTimeoutMs) for Redis to be back, instead of failing at once.
        const waiting = broker.enqueue(request({ params: 'while down' }));
        await sleep(1000);
        await server.start();
        const restarted = Date.now();

        await waiting;
        await broker.enqueue(request({ params: 'after' }));
        await eventually(() => got.some((r) => r.result === 'after') && got.some((r) => r.result === 'while down'), 8000);
        // The subscriber is back and says so: whatever was published meanwhile must be read from history.
        await eventually(() => live.some((e) => e.kind === 'resync'), 8000);
        expect(live.find((e) => e.kind === 'resync')).toEqual({ kind: 'resync', target: room });
        const back = await broker.publish(room, { event: 'back' });
        await eventually(() => live.some((e) => e.kind === 'event'));
        expect(live.find((e) => e.kind === 'event')).toMatchObject({ kind: 'event', event: { event: 'back', offset: back.offset } });
        expect(Date.now() - restarted).toBeLessThan(8000);
        expect(await broker.ping()).toBe(true);
      } finally {
        await server.stop();
      }
    });

    it('fails a command with BrokerUnavailableError (not sent) once Redis has been away for brokerTimeoutMs', async () => {
      const server = await startRedisServer();
      try {
        const { broker } = await make({ url: server.url, onError: quiet, brokerTimeoutMs: 300 });
        await server.kill();
        const started = Date.now();
        const error = await broker.publish({ kind: 'broadcast' }, { type: 'x' }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(BrokerUnavailableError);
        expect((error as BrokerUnavailableError).sent).toBe(false);
        expect(Date.now() - started).toBeLessThan(1000);
        expect(await broker.ping()).toBe(false);
      } finally {
        await server.stop();
      }
    });

    it('keeps keys of users and rooms apart whatever their names (a room named X:users is not room X\'s)', async () => {
      const { broker } = await make();
      await broker.enter('X', 'alice', 'c1', 60_000);
      await broker.enter('X:users', 'bob', 'c2', 60_000);
      await broker.publish({ kind: 'room', room: 'X:users' }, { event: 'e' });
      expect(await broker.members('X')).toEqual(['alice']);
      expect(await broker.members('X:users')).toEqual(['bob']);
      // User `acme` with call id `alice:c1` is not user `acme:alice` with call id `c1`.
      expect(await broker.claim('acme:alice', 'c1', 'g1', 60_000)).toEqual({ status: 'new' });
      expect(await broker.claim('acme', 'alice:c1', 'g1', 60_000)).toEqual({ status: 'new' });
    });
  });
});


/**
 * The broker contract: one suite every driver must pass (soketi's adapters do the same).
 * `brokerContract('memory', (o) => createMemoryBroker(o))` runs it; a driver file adds only
 * what is specific to it.
 *
 * How to extend: add an `it` here when the gateway or the worker starts relying on a new
 * behaviour, so both drivers are held to it. Timings are real (the Redis driver talks to a
 * real Redis), so keep waits short and bounded.
 */
import { nanoid } from 'nanoid';
import { afterEach, describe, expect, it } from 'vitest';
import { epochOf } from 'tether-rpc/protocol';
import type { Broker, BrokerOptions, CallReply, CallRequest, Consumer, LiveEvent, Target } from './broker.ts';

export type BrokerFactory = (options: Required<Pick<BrokerOptions, 'prefix'>> & BrokerOptions) => Promise<Broker>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolve when `check` holds, polling; fail after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

/** Every event `target`'s history holds (from the start of its current epoch). */
export async function allEvents(b: Broker, target: Target) {
  const { tip } = await b.history(target);
  return (await b.history(target, `${epochOf(tip)}:0-0`)).events;
}

/** A call request with a fresh id, from user u1 on gateway g1 (replies to g1), due in 10 s. */
export const callRequest = (over: Partial<CallRequest> = {}): CallRequest => ({
  id: nanoid(),
  method: 'echo',
  params: { n: 1 },
  user: 'u1',
  conn: 'c1',
  gateway: 'g1',
  replyTo: 'g1',
  deadline: Date.now() + 10_000,
  ...over,
});

export function brokerContract(name: string, factory: BrokerFactory) {
  describe(`broker contract: ${name}`, () => {
    const open: Broker[] = [];
    const prefixOf = new WeakMap<Broker, string>();
    /** A broker on keys of its own, so tests never see each other's data. */
    const make = async (o: BrokerOptions = {}, prefix = `tether-test:${nanoid(8)}:`) => {
      const b = await factory({ prefix, ...o });
      prefixOf.set(b, prefix);
      open.push(b);
      return b;
    };
    /** A second broker on the same keys: another gateway or worker process. */
    const peer = (of: Broker, o: BrokerOptions = {}) => make(o, prefixOf.get(of));
    afterEach(async () => {
      await Promise.all(open.splice(0).map((b) => b.close()));
    });

    const request = callRequest;
    const collect = (b: Broker, replyTo: string) => {
      const got: CallReply[] = [];
      const stop = b.replies(replyTo, (r) => got.push(r));
      return { got, stop };
    };

    it('runs an enqueued call on a consumer and delivers the reply to replyTo', async () => {
      const b = await make();
      const { got } = collect(b, 'g1');
      b.consume('w1', async (req) => ({ result: { echo: req.params, by: req.user } }), { methods: ['echo'] });
      const req = request();
      expect(await b.claim(req.user, req.id, req.replyTo, 60_000)).toEqual({ status: 'new' });
      await b.enqueue(req);
      await eventually(() => got.length === 1);
      expect(got[0]).toEqual({ id: req.id, user: 'u1', result: { echo: { n: 1 }, by: 'u1' } });
    });

    it('passes error replies through as they are', async () => {
      const b = await make();
      const { got } = collect(b, 'g1');
      b.consume('w1', async () => ({ error: { code: 404, message: 'Order not found', data: { id: 7 } } }), { methods: ['echo'] });
      await b.enqueue(request());
      await eventually(() => got.length === 1);
      expect(got[0]!.error).toEqual({ code: 404, message: 'Order not found', data: { id: 7 } });
    });

    it('claims each (user, id) once: pending while running, then the original reply', async () => {
      const b = await make();
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let runs = 0;
      b.consume('w1', async () => {
        runs++;
        await gate;
        return { result: 'done' };
      }, { methods: ['echo'] });
      const g1 = collect(b, 'g1');
      const g2 = collect(b, 'g2');
      const req = request();
      expect(await b.claim('u1', req.id, 'g1', 60_000)).toEqual({ status: 'new' });
      await b.enqueue(req);
      await eventually(() => runs === 1);
      // The resend arrives on another gateway while the call still runs.
      expect(await b.claim('u1', req.id, 'g2', 60_000)).toEqual({ status: 'pending' });
      // Another user's call with the same id is another call.
      expect(await b.claim('u2', req.id, 'g1', 60_000)).toEqual({ status: 'new' });
      release();
      await eventually(() => g1.got.length === 1 && g2.got.length === 1);
      expect(g2.got[0]).toEqual({ id: req.id, user: 'u1', result: 'done' });
      expect(await b.claim('u1', req.id, 'g2', 60_000)).toEqual({ status: 'done', reply: { id: req.id, user: 'u1', result: 'done' } });
      expect(runs).toBe(1);
    });

    it('submit claims and enqueues in one step: a resend is not enqueued again, and gets the stored reply', async () => {
      const b = await make();
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let runs = 0;
      b.consume('w1', async (req) => {
        runs++;
        await gate;
        return { result: req.params };
      }, { methods: ['echo'] });
      const g1 = collect(b, 'g1');
      const g2 = collect(b, 'g2');
      const req = request({ replyTo: 'g1' });
      expect(await b.submit(req, 60_000)).toEqual({ status: 'new' });
      await eventually(() => runs === 1);
      expect(await b.submit({ ...req, replyTo: 'g2', gateway: 'g2' }, 60_000)).toEqual({ status: 'pending' });
      release();
      await eventually(() => g1.got.length === 1 && g2.got.length === 1);
      const reply = { id: req.id, user: 'u1', result: { n: 1 } };
      expect(g2.got[0]).toEqual(reply);
      expect(await b.submit(req, 60_000)).toEqual({ status: 'done', reply });
      await new Promise((r) => setTimeout(r, 50));
      expect(runs).toBe(1);
    });

    it('spreads calls over consumers and runs each once', async () => {
      const b = await make();
      const { got } = collect(b, 'g1');
      const by = new Map<string, number>();
      const handler = (name: string) => async () => {
        by.set(name, (by.get(name) ?? 0) + 1);
        await sleep(5);
        return { result: name };
      };
      b.consume('w1', handler('w1'), { methods: ['echo'], batch: 1 });
      b.consume('w2', handler('w2'), { methods: ['echo'], batch: 1 });
      for (let i = 0; i < 40; i++) await b.enqueue(request());
      await eventually(() => got.length === 40);
      expect(new Set(got.map((r) => r.id)).size).toBe(40);
      expect(by.get('w1')).toBeGreaterThan(0);
      expect(by.get('w2')).toBeGreaterThan(0);
      expect((by.get('w1') ?? 0) + (by.get('w2') ?? 0)).toBe(40);
    });

    it('skips calls whose deadline has passed, answering them -32003 instead', async () => {
      const b = await make();
      const { got } = collect(b, 'g1');
      let runs = 0;
      b.consume('w1', async () => {
        runs++;
        return { result: 1 };
      }, { methods: ['echo'] });
      const late = request({ deadline: Date.now() - 1 });
      await b.enqueue(late);
      await b.enqueue(request());
      await eventually(() => got.length === 2);
      await sleep(50);
      expect(runs).toBe(1);
      expect(got.find((r) => r.id === late.id)!.error).toMatchObject({ code: -32003 });
    });

    it('answers every waiter of a call skipped for its deadline, and later resends from the store', async () => {
      const b = await make();
      const g1 = collect(b, 'g1');
      let runs = 0;
      b.consume('w1', async () => ({ result: ++runs }), { methods: ['echo'] });
      const req = request({ deadline: Date.now() - 1 });
      expect(await b.claim(req.user, req.id, 'g1', 60_000)).toEqual({ status: 'new' });
      await b.enqueue(req);
      const skipped = { id: req.id, user: 'u1', error: { code: -32003, message: 'Deadline passed before a worker took the call' } };
      await eventually(() => g1.got.length === 1);
      expect(g1.got).toEqual([skipped]);
      // A resend finds the answer, not a call "pending" that nobody will ever answer.
      expect(await b.claim(req.user, req.id, 'g2', 60_000)).toEqual({ status: 'done', reply: skipped });
      expect(runs).toBe(0);
    });

    it('lets a live consumer keep a call that runs longer than claimIdleMs', async () => {
      const b = await make();
      const { got } = collect(b, 'g1');
      let runs = 0;
      const slow = async () => {
        runs++;
        await sleep(300);
        return { result: 'slow' };
      };
      // Whichever of the two takes the call, the other one is idle beside it, looking for calls to take over.
      b.consume('w1', slow, { methods: ['echo'], claimIdleMs: 100 });
      b.consume('w2', slow, { methods: ['echo'], claimIdleMs: 100 });
      await b.enqueue(request());
      await eventually(() => got.length === 1, 5000);
      await sleep(200);
      expect(runs).toBe(1);
      expect(got).toHaveLength(1);
      expect(got[0]!.result).toBe('slow');
    });

    it('hands a call whose consumer died to another consumer', async () => {
      const b = await make();
      const { got } = collect(b, 'g1');
      let taken = 0;
      const stuck = b.consume(
        'stuck',
        () => {
          taken++;
          return new Promise(() => {});
        },
        { methods: ['echo'], claimIdleMs: 200 },
      );
      const req = request();
      await b.enqueue(req);
      await eventually(() => taken === 1);
      stuck.kill(); // the worker's process dies mid-call
      b.consume('w2', async () => ({ result: 'rescued' }), { methods: ['echo'], claimIdleMs: 200 });
      await eventually(() => got.length === 1, 5000);
      expect(got[0]).toMatchObject({ id: req.id, result: 'rescued' });
      expect(taken).toBe(1);
    });

    it('takes over a dead consumer\'s calls within about 1.5 × claimIdleMs even while every live consumer is busy', async () => {
      const b = await make();
      const { got } = collect(b, 'g1');
      const claimIdleMs = 300;
      const runs = new Map<string, number>();
      const held: string[] = [];
      const doomed = b.consume(
        'doomed',
        async (req) => {
          held.push(req.id);
          return new Promise<never>(() => {});
        },
        { methods: ['echo'], batch: 2, claimIdleMs },
      );
      await b.enqueue(request());
      await b.enqueue(request());
      await eventually(() => held.length === 2, 3000);
      b.consume(
        'busy',
        async (req) => {
          runs.set(req.id, (runs.get(req.id) ?? 0) + 1);
          await sleep(40);
          return { result: req.id };
        },
        { methods: ['echo'], batch: 2, claimIdleMs },
      );
      // A steady stream of new calls keeps the live consumer's slots full the whole time.
      let feeding = true;
      const feed = (async () => {
        while (feeding) {
          await Promise.all([b.enqueue(request()), b.enqueue(request()), b.enqueue(request())]).catch(() => {});
          await sleep(20);
        }
      })();
      const killedAt = Date.now();
      doomed.kill();
      try {
        await eventually(() => held.every((id) => got.some((r) => r.id === id)), 5000);
      } finally {
        feeding = false;
        await feed;
      }
      const took = Date.now() - killedAt;
      // Noticed within 1.5 × claimIdleMs, plus its run time and some scheduling slack.
      expect(took).toBeLessThan(1.5 * claimIdleMs + 40 + 300);
      for (const id of held) expect(runs.get(id)).toBe(1);
    });

    it('dead-letters a call after too many deliveries and answers its caller with -32603', async () => {
      const b = await make();
      const { got } = collect(b, 'g1');
      const took: string[] = [];
      const consumers = new Map<string, Consumer>();
      for (const w of ['w1', 'w2', 'w3']) {
        const stuck = () => {
          took.push(w);
          return new Promise<never>(() => {});
        };
        consumers.set(w, b.consume(w, stuck, { methods: ['echo'], claimIdleMs: 100, maxDeliveries: 2 }));
      }
      await b.enqueue(request());
      // Each consumer that takes the call dies with it; the one left after two deliveries gives up on it.
      for (let n = 1; n <= 2; n++) {
        await eventually(() => took.length === n, 5000);
        consumers.get(took[n - 1]!)!.kill();
      }
      await eventually(() => got.length === 1, 8000);
      expect(got[0]!.error).toMatchObject({ code: -32603 });
      expect(new Set(took).size).toBe(2);
    });

    it('stop() waits for the calls already taken, then takes no more', async () => {
      const b = await make();
      const { got } = collect(b, 'g1');
      let taken = 0;
      const c = b.consume('w1', async () => {
        taken++;
        await sleep(100);
        return { result: 'finished' };
      }, { methods: ['echo'] });
      await b.enqueue(request());
      await eventually(() => taken === 1);
      await c.stop();
      await eventually(() => got.length === 1); // answered, not abandoned
      await b.enqueue(request());
      await sleep(150);
      expect(taken).toBe(1);
      b.consume('w2', async () => ({ result: 2 }), { methods: ['echo'] });
      await eventually(() => got.length === 2);
    });

    it('works across broker instances sharing the same keys (gateway and worker processes)', async () => {
      const gateway = await make();
      const worker = await peer(gateway);
      const { got } = collect(gateway, 'g1');
      worker.consume('w1', async (req) => ({ result: req.params }), { methods: ['echo'] });
      await gateway.enqueue(request({ params: { across: true } }));
      await eventually(() => got.length === 1);
      expect(got[0]!.result).toEqual({ across: true });
    });

    it('publishes with increasing offsets, replays history after an offset, and reports the tip', async () => {
      const b = await make();
      const t = { kind: 'user', user: 'u1' } as const;
      const empty = await b.history(t);
      expect(empty).toEqual({ events: [], recovered: true, tip: expect.stringMatching(/^[\w-]+:0-0$/) });
      const a = await b.publish(t, { type: 'a', data: 1 });
      const c = await b.publish(t, { type: 'b', message: 'hi', data: { x: 2 } });
      // One epoch per stream life: the empty stream's, so a client that started at its tip misses nothing.
      expect(a.offset).toMatch(new RegExp(`^${epochOf(empty.tip)}:\\d+-\\d+$`));
      expect(c).toMatchObject({ type: 'b', message: 'hi', data: { x: 2 } });
      expect(typeof c.ts).toBe('number');
      const page = await b.history(t, a.offset);
      expect(page.events).toEqual([c]);
      expect(page).toMatchObject({ recovered: true, tip: c.offset });
      expect(await b.history(t, empty.tip)).toEqual({ events: [a, c], recovered: true, tip: c.offset });
      expect((await b.history(t)).events).toEqual([]);
      const other = { kind: 'user', user: 'u2' } as const;
      expect((await b.history(other, (await b.history(other)).tip)).events).toEqual([]);
    });

    it('reports recovered: false, with no events, when events after the offset were trimmed', async () => {
      const b = await make({ historyMaxLen: 3 });
      const t = { kind: 'room', room: 'r' } as const;
      const offsets: string[] = [];
      for (let i = 0; i < 10; i++) offsets.push((await b.publish(t, { event: 'e', data: i })).offset);
      const page = await b.history(t, offsets[0]);
      expect(page).toEqual({ events: [], recovered: false, tip: offsets[9] });
      // The newest trimmed one is still a position from which nothing is missing.
      const kept = await b.history(t, offsets[6]);
      expect(kept.recovered).toBe(true);
      expect(kept.events.map((e) => e.data)).toEqual([7, 8, 9]);
      expect((await b.history(t, offsets[5])).recovered).toBe(false);
      expect((await b.history(t, page.tip)).recovered).toBe(true);
    });

    it('reports recovered: false for an offset beyond the tip, or from before epochs', async () => {
      const b = await make();
      const fresh = { kind: 'user', user: 'fresh' } as const;
      const busy = { kind: 'room', room: 'busy' } as const;
      const { tip } = await b.history(fresh);
      const beyond = `${epochOf(tip)}:99999999999999-0`;
      expect(await b.history(fresh, beyond)).toEqual({ events: [], recovered: false, tip });
      for (let i = 0; i < 3; i++) await b.publish(busy, { event: 'e', data: i });
      const page = await b.history(busy, `${epochOf(tip)}:99999999999999-0`);
      expect(page).toMatchObject({ events: [], recovered: false });
      expect(await b.history(busy, page.tip)).toEqual({ events: [], recovered: true, tip: page.tip });
      expect((await b.history(busy, '0-0')).recovered).toBe(false);
      expect(await b.history(fresh, tip)).toEqual({ events: [], recovered: true, tip });
    });

    it('gives each stream an epoch: an offset from another life of the stream is not recovered, even inside the current range', async () => {
      const t = { kind: 'user', user: 'u1' } as const;
      // One life of the stream, then another after the broker lost its data (here: keys of their own).
      const first = await make();
      const old = await first.publish(t, { type: 'old' });
      const second = await make();
      await sleep(5);
      for (let i = 0; i < 3; i++) await second.publish(t, { type: 'new', data: i });
      const page = await second.history(t, old.offset);
      expect(page.recovered).toBe(false);
      expect(page.events).toEqual([]);
      // From the new life's own positions, nothing is missing.
      expect((await second.history(t, page.tip)).recovered).toBe(true);
    });

    it('fans events out live to subscribers of that target only, across instances', async () => {
      const pub = await make();
      const sub = await peer(pub);
      const got: LiveEvent[] = [];
      const other: LiveEvent[] = [];
      const off = sub.subscribe({ kind: 'room', room: 'r' }, (e) => got.push(e));
      sub.subscribe({ kind: 'room', room: 'other' }, (e) => other.push(e));
      await sleep(50); // subscriptions are live
      const ev = await pub.publish({ kind: 'room', room: 'r' }, { event: 'chat', data: 'hi' });
      await pub.publish({ kind: 'broadcast' }, { type: 'x' });
      await eventually(() => got.length === 1);
      expect(got[0]).toEqual({ kind: 'event', target: { kind: 'room', room: 'r' }, event: ev });
      off();
      await pub.publish({ kind: 'room', room: 'r' }, { event: 'chat', data: 'after' });
      await sleep(100);
      expect(got).toHaveLength(1);
      expect(other).toEqual([]);
    });

    it('tracks presence per user: joined on the first connection, left after the last', async () => {
      const b = await make();
      const watcher = await peer(b);
      const changes: LiveEvent[] = [];
      watcher.subscribe({ kind: 'room', room: 'r' }, (e) => changes.push(e));
      await sleep(50);
      await b.enter('r', 'alice', 'c1', 60_000);
      await b.enter('r', 'alice', 'c2', 60_000);
      await b.enter('r', 'bob', 'c3', 60_000);
      expect((await b.members('r')).sort()).toEqual(['alice', 'bob']);
      await b.exit('r', 'alice', 'c1');
      expect((await b.members('r')).sort()).toEqual(['alice', 'bob']);
      await b.exit('r', 'alice', 'c2');
      expect(await b.members('r')).toEqual(['bob']);
      await eventually(() => changes.length === 3);
      expect(changes).toEqual([
        { kind: 'presence', room: 'r', joined: 'alice' },
        { kind: 'presence', room: 'r', joined: 'bob' },
        { kind: 'presence', room: 'r', left: 'alice' },
      ]);
    });

    it('forgets presence that is not refreshed within its ttl', async () => {
      const b = await make();
      await b.enter('r', 'ghost', 'c1', 150);
      await b.enter('r', 'alive', 'c2', 150);
      await sleep(80);
      await b.enter('r', 'alive', 'c2', 10_000); // refreshed
      await sleep(120);
      expect(await b.members('r')).toEqual(['alive']);
    });

    it('keeps a directory of the methods live workers serve, shared across instances', async () => {
      const worker = await make();
      const gateway = await peer(worker);
      expect(await gateway.methods()).toEqual({});
      await worker.advertise('w1', { 'orders.create': { params: { type: 'object' } }, 'orders.list': {} }, 60_000);
      await worker.advertise('w2', { 'tasks.get_stats': { description: 'x' }, 'orders.list': {} }, 60_000);
      expect(await gateway.methods()).toEqual({
        'orders.create': { params: { type: 'object' } },
        'orders.list': {},
        'tasks.get_stats': { description: 'x' },
      });
      // A worker that leaves takes its methods along, unless another one serves them too.
      await worker.withdraw('w1', ['orders.create', 'orders.list']);
      expect(Object.keys(await gateway.methods()).sort()).toEqual(['orders.list', 'tasks.get_stats']);
    });

    it('forgets the methods of a worker that stops renewing its announcement', async () => {
      const b = await make();
      await b.advertise('w1', { 'a.b': {} }, 100);
      await b.advertise('w2', { 'c.d': {} }, 60_000);
      await sleep(150);
      expect(Object.keys(await b.methods())).toEqual(['c.d']);
    });

    it('routes each call to a consumer of its method only, whatever else is running', async () => {
      const b = await make();
      const { got } = collect(b, 'g1');
      const ran: string[] = [];
      const serve = (w: string) => async (req: CallRequest) => {
        ran.push(`${w}:${req.method}`);
        return { result: w };
      };
      b.consume('orders', serve('orders'), { methods: ['orders.create'] });
      b.consume('tasks', serve('tasks'), { methods: ['tasks.get'] });
      b.consume('both', serve('both'), { methods: ['orders.create', 'tasks.get'] });
      for (let i = 0; i < 30; i++) await b.enqueue(request({ method: i % 2 ? 'orders.create' : 'tasks.get' }));
      await eventually(() => got.length === 30, 5000);
      expect(ran.filter((r) => r.startsWith('orders:')).every((r) => r.endsWith('orders.create'))).toBe(true);
      expect(ran.filter((r) => r.startsWith('tasks:')).every((r) => r.endsWith('tasks.get'))).toBe(true);
      expect(got.every((r) => r.result !== undefined)).toBe(true);
    });

    it('answers ping and stops its readers on close', async () => {
      const b = await make();
      expect(await b.ping()).toBe(true);
      const { got, stop } = collect(b, 'g1');
      await stop();
      b.consume('w1', async () => ({ result: 1 }), { methods: ['echo'] });
      await b.enqueue(request());
      await sleep(100);
      expect(got).toEqual([]);
    });
  });
}

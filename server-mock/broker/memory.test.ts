import { nanoid } from 'nanoid';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Broker, CallReply, LiveEvent } from './broker.ts';
import { epochOf } from '../../src/protocol/offsets.ts';
import { allEvents, brokerContract, callRequest, eventually } from './contract.ts';
import { type MemoryBrokerOptions, createMemoryBroker } from './memory.ts';
import { stateOf } from './memory-state.ts';

brokerContract('memory', async (o) => createMemoryBroker(o));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('memory broker', () => {
  const open: Broker[] = [];
  const make = (o: MemoryBrokerOptions = {}) => {
    const b = createMemoryBroker({ prefix: `tether-test:${nanoid(8)}:`, ...o });
    open.push(b);
    return b;
  };
  afterEach(async () => {
    vi.restoreAllMocks();
    await Promise.all(open.splice(0).map((b) => b.close()));
  });
  const request = callRequest;

  it('delivers events and runs calls on a later microtask, never inside publish or enqueue', async () => {
    const b = make();
    const events: LiveEvent[] = [];
    b.subscribe({ kind: 'broadcast' }, (e) => events.push(e));
    let runs = 0;
    b.consume('w1', async () => ({ result: ++runs }), { methods: ['echo'] });
    const published = b.publish({ kind: 'broadcast' }, { type: 'x' });
    const enqueued = b.enqueue(request());
    expect(events).toEqual([]);
    expect(runs).toBe(0);
    await Promise.all([published, enqueued]);
    await eventually(() => events.length === 1 && runs === 1);
  });

  it('keeps delivering to the others when a subscriber or a reply reader throws', async () => {
    const b = make();
    const events: LiveEvent[] = [];
    const replies: CallReply[] = [];
    b.subscribe({ kind: 'broadcast' }, () => {
      throw new Error('listener bug');
    });
    b.subscribe({ kind: 'broadcast' }, (e) => events.push(e));
    b.replies('g1', () => {
      throw new Error('reader bug');
    });
    b.replies('g1', (r) => replies.push(r));
    b.consume('w1', async () => ({ result: 1 }), { methods: ['echo'] });
    await b.publish({ kind: 'broadcast' }, { type: 'a' });
    await b.enqueue(request());
    await b.publish({ kind: 'broadcast' }, { type: 'b' });
    await eventually(() => events.length === 2 && replies.length === 1);
  });

  it('gives strictly increasing offsets to events published in the same millisecond', async () => {
    const b = make();
    const t = { kind: 'user', user: 'u1' } as const;
    const offsets = await Promise.all(Array.from({ length: 50 }, (_, i) => b.publish(t, { type: 'n', data: i }))).then((es) => es.map((e) => e.offset));
    const pos = offsets.map((o) => o.split(':')[1]!.split('-').map(Number) as [number, number]);
    for (let i = 1; i < pos.length; i++) {
      const [a, c] = [pos[i - 1]!, pos[i]!];
      expect(c[0] > a[0] || (c[0] === a[0] && c[1] > a[1])).toBe(true);
    }
    expect((await b.history(t)).tip).toBe(offsets.at(-1));
  });

  it('trims history by age and reports recovered: false only to readers behind a trimmed event', async () => {
    const b = make({ historyMaxAgeMs: 50 });
    const t = { kind: 'room', room: 'r' } as const;
    const old = await b.publish(t, { event: 'e', data: 'old' });
    await sleep(80);
    const fresh = await b.publish(t, { event: 'e', data: 'fresh' });
    expect(await b.history(t, `${epochOf(old.offset)}:0-0`)).toEqual({ events: [], recovered: false, tip: fresh.offset });
    expect(await b.history(t, old.offset)).toEqual({ events: [fresh], recovered: true, tip: fresh.offset });
  });

  it('treats an offset it cannot read as one of another epoch: not recovered', async () => {
    const b = make();
    expect(await b.history({ kind: 'broadcast' }, 'yesterday')).toMatchObject({ events: [], recovered: false });
  });

  it('copies payloads as JSON would, so neither side sees the other mutate them', async () => {
    const b = make();
    const t = { kind: 'user', user: 'u1' } as const;
    const body = { type: 't', data: { n: 1, at: new Date(0) } };
    const stored = await b.publish(t, body);
    body.data.n = 2;
    stored.data = 'changed';
    expect((await allEvents(b, t))[0]!.data).toEqual({ n: 1, at: '1970-01-01T00:00:00.000Z' });
  });

  it('forgets a claim once its window is over', async () => {
    const b = make();
    expect(await b.claim('u1', 'x', 'g1', 40)).toEqual({ status: 'new' });
    expect(await b.claim('u1', 'x', 'g1', 40)).toEqual({ status: 'pending' });
    await sleep(60);
    expect(await b.claim('u1', 'x', 'g1', 40)).toEqual({ status: 'new' });
  });

  it('drops expired claims as new ones are made, so the claims held are those of one window', async () => {
    const prefix = `tether-test:${nanoid(8)}:`;
    const b = make({ prefix, sweepMs: 60_000 });
    for (let i = 0; i < 50; i++) await b.claim('u1', `old-${i}`, 'g1', 20);
    await sleep(40);
    for (let i = 0; i < 30; i++) await b.claim('u1', `new-${i}`, 'g1', 60_000);
    // Two expired ones go with each new claim: 50 old ones are 25 new claims' worth.
    expect(stateOf(prefix).claims.size).toBe(30);
  });

  it('answers every waiter of a dead-lettered call once, and answers later resends from the store', async () => {
    const b = make();
    const g1: CallReply[] = [];
    const g2: CallReply[] = [];
    b.replies('g1', (r) => g1.push(r));
    b.replies('g2', (r) => g2.push(r));
    let taken = false;
    const stuck = b.consume(
      'stuck',
      () => {
        taken = true;
        return new Promise(() => {});
      },
      { methods: ['echo'], claimIdleMs: 50, maxDeliveries: 1 },
    );
    const req = request();
    expect(await b.claim('u1', req.id, 'g1', 60_000)).toEqual({ status: 'new' });
    await b.enqueue(req);
    expect(await b.claim('u1', req.id, 'g2', 60_000)).toEqual({ status: 'pending' });
    expect(await b.claim('u1', req.id, 'g1', 60_000)).toEqual({ status: 'pending' }); // g1 twice: still one reply
    await eventually(() => taken);
    stuck.kill();
    // The survivor finds the dead consumer's call idle, already delivered once: it gives up on it.
    b.consume('w2', async () => ({ result: 'never' }), { methods: ['echo'], claimIdleMs: 50, maxDeliveries: 1 });
    const failed = { id: req.id, user: 'u1', error: { code: -32603, message: 'Call failed after 1 deliveries' } };
    await eventually(() => g1.length === 1 && g2.length === 1);
    await sleep(100);
    expect([g1, g2]).toEqual([[failed], [failed]]);
    expect(await b.claim('u1', req.id, 'g2', 60_000)).toEqual({ status: 'done', reply: failed });
  });

  it('answers a call once when a slow consumer and the one that took it over both finish', async () => {
    const b = make();
    const got: CallReply[] = [];
    b.replies('g1', (r) => got.push(r));
    let slowRan = false;
    // A live consumer is taken over only when it refreshes more slowly than others give up on it:
    // this one refreshes every second, the other takes over calls idle for 80 ms.
    b.consume(
      'slow',
      async () => {
        await sleep(250);
        slowRan = true;
        return { result: 'slow' };
      },
      { methods: ['echo'], claimIdleMs: 3000 },
    );
    await b.enqueue(request());
    await sleep(20);
    b.consume('fast', async () => ({ result: 'fast' }), { methods: ['echo'], claimIdleMs: 80 });
    await eventually(() => slowRan);
    await sleep(50);
    expect(got.map((r) => r.result)).toEqual(['fast']);
  });

  it('announces left for expired presence when members() notices it, and on the sweep when nobody asks', async () => {
    const b = make({ sweepMs: 30 });
    const changes: LiveEvent[] = [];
    b.subscribe({ kind: 'room', room: 'r' }, (e) => changes.push(e));
    await b.enter('r', 'ghost', 'c1', 40);
    await sleep(60);
    // The sweep has run by now, or members() prunes: either way exactly one `left`.
    expect(await b.members('r')).toEqual([]);
    await b.enter('r', 'quiet', 'c2', 40);
    await eventually(() => changes.length === 4);
    expect(changes).toEqual([
      { kind: 'presence', room: 'r', joined: 'ghost' },
      { kind: 'presence', room: 'r', left: 'ghost' },
      { kind: 'presence', room: 'r', joined: 'quiet' },
      { kind: 'presence', room: 'r', left: 'quiet' },
    ]);
  });

  it('stops only its own consumers and subscriptions on close; the others on the prefix go on', async () => {
    const prefix = `tether-test:${nanoid(8)}:`;
    const a = make({ prefix });
    const b = make({ prefix });
    const got: CallReply[] = [];
    const events: LiveEvent[] = [];
    b.replies('g1', (r) => got.push(r));
    b.subscribe({ kind: 'broadcast' }, (e) => events.push(e));
    a.consume('a', async () => ({ result: 'a' }), { methods: ['echo'] });
    a.subscribe({ kind: 'broadcast' }, () => expect.unreachable());
    b.consume('b', async () => ({ result: 'b' }), { methods: ['echo'] });
    await a.close();
    await expect(a.enqueue(request())).rejects.toThrow(/closed/);
    expect(await a.ping()).toBe(false);
    for (let i = 0; i < 3; i++) await b.enqueue(request());
    await b.publish({ kind: 'broadcast' }, { type: 'x' });
    await eventually(() => got.length === 3 && events.length === 1);
    expect(got.map((r) => r.result)).toEqual(['b', 'b', 'b']);
  });

  it('starts only timers that do not keep Node alive, and clears them all on close', async () => {
    const real = globalThis.setInterval;
    const started: ReturnType<typeof setInterval>[] = [];
    vi.spyOn(globalThis, 'setInterval').mockImplementation(((fn: () => void, ms?: number) => {
      const timer = real(fn, ms);
      started.push(timer);
      return timer;
    }) as typeof setInterval);
    const cleared = vi.spyOn(globalThis, 'clearInterval');
    const b = make();
    b.consume('w1', async () => ({ result: 1 }), { methods: ['echo'] });
    b.consume('w2', async () => ({ result: 2 }), { methods: ['echo'] });
    // The sweeper, and per consumer its takeover poll and its lease refresher.
    expect(started).toHaveLength(5);
    expect(started.every((t) => !t.hasRef())).toBe(true);
    await b.close();
    for (const t of started) expect(cleared).toHaveBeenCalledWith(t);
  });
});

/**
 * The gateway end to end, on each broker: real `ws` sockets, real JWTs, real workers, and
 * the browser core as the client. The same suite runs on the embedded broker and on Redis.
 */
import { nanoid } from 'nanoid';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { RpcError } from '../../src/protocol/rpc-error.ts';
import type { Broker } from '../broker/broker.ts';
import { createMemoryBroker } from '../broker/memory.ts';
import { createRedisBroker } from '../broker/redis.ts';
import { describeWithRedis, redisUrl } from '../testing/redis.ts';
import { reach, SECRET, startSystem, until } from '../testing/system.ts';
import { signDevRoomToken } from './auth.ts';
import * as z from 'zod';
import { defineMethod } from '../worker/define.ts';
import { createWorker } from '../worker/worker.ts';

/** A raw socket, for what a well-behaved client never does. */
function raw(url: string, protocol: string | undefined = 'tether.v1') {
  const ws = new WebSocket(url, protocol);
  const frames: Record<string, unknown>[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
  const open = new Promise((resolve) => ws.on('open', resolve));
  return { ws, frames, closed, open, send: (o: unknown) => ws.send(typeof o === 'string' ? o : JSON.stringify(o)) };
}

function gatewaySuite(openBroker: () => Promise<Broker>) {
  let system: Awaited<ReturnType<typeof startSystem>> | undefined;
  let broker: Broker | undefined;
  const start = async (o?: Parameters<typeof startSystem>[0]) => (system = await startSystem({ broker: (broker = await openBroker()), ...o }));
  afterEach(async () => {
    await system?.stop();
    await broker?.close();
    system = broker = undefined;
  });

  it('authenticates, runs a call on a worker and delivers its notification to the caller', async () => {
    const s = await start();
    const alice = s.client('alice');
    const notes: unknown[] = [];
    alice.on('notification', (n) => notes.push(n));
    const order = await alice.call('orders.create', { sku: 'A-1', qty: 2 });
    expect(order).toMatchObject({ sku: 'A-1', qty: 2, total: 19, user: 'alice' });
    expect(alice.getSnapshot()).toMatchObject({ state: 'connected', user: 'alice' });
    await until(() => notes.length === 1);
    expect(notes[0]).toMatchObject({ type: 'order.created', message: expect.stringContaining('created'), data: order });
  });

  it('answers each kind of error with its code at the call site', async () => {
    const s = await start({ gateway: { callTimeoutMs: 300 } });
    const c = s.client('u1');
    const err = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as RpcError);
    const invalid = await err(c.call('orders.create', { sku: '', qty: 0 }));
    expect(invalid).toMatchObject({ code: -32602, message: 'Invalid params' });
    expect((invalid!.data as { issues: { path: unknown[] }[] }).issues.map((i) => i.path)).toEqual([['sku'], ['qty']]);
    expect(await err(c.call('demo.fail'))).toMatchObject({ code: 422, message: 'This method fails on purpose', data: { hint: 'try orders.create' } });
    const crash = await err(c.call('demo.crash'));
    expect(crash).toMatchObject({ code: -32603, message: 'Something broke in the handler' });
    expect(JSON.stringify(crash!.data ?? {})).not.toContain('at ');
    expect(await err(c.call('no.such.method'))).toMatchObject({ code: -32601 });
    expect(await err(c.call('demo.slow', { ms: 2000 }))).toMatchObject({ code: -32003 });
    expect(c.getSnapshot().state).toBe('connected');
  });

  it('answers the built-in system methods', async () => {
    const s = await start();
    const c = s.client('u1');
    expect(await c.call('system.ping')).toMatchObject({ pong: true });
    expect(await c.call('system.echo', { a: [1, 2] })).toEqual({ a: [1, 2] });
    expect(await c.call('system.health')).toMatchObject({ status: 'ok', broker: s.broker.name });
    expect(await c.call('system.info')).toMatchObject({ name: 'tether-gateway', user: 'u1' });
    expect(await c.call('system.latency')).toMatchObject({ serverTime: expect.any(Number) });
    const { methods } = (await c.call('system.describe')) as { methods: Record<string, { params: object }> };
    expect(methods['orders.create']!.params).toMatchObject({ type: 'object', properties: { sku: { type: 'string' } } });
  });

  it('refuses a bad token with 4001 and a reason; the client ends unauthorized', async () => {
    const s = await start();
    const c = s.client('u1', { token: 'not-a-jwt' });
    await reach(c, 'unauthorized');
    expect(c.getSnapshot()).toMatchObject({ code: 4001 });
    expect(c.getSnapshot().reason).toBeTruthy();
    const expired = s.client('u1', { token: await s.token('u1', -10) });
    await reach(expired, 'unauthorized');
  });

  it('closes a socket that sends no auth frame in time with 4008', async () => {
    const s = await start({ gateway: { authTimeoutMs: 200 } });
    const r = raw(s.gateway.url);
    expect(await r.closed).toMatchObject({ code: 4008 });
  });

  it('closes a socket without the tether.v1 subprotocol with 4000', async () => {
    const s = await start();
    const r = raw(s.gateway.url, 'other.v9');
    expect(await r.closed).toMatchObject({ code: 4000 });
  });

  it('answers bad frames with protocol errors and keeps the connection', async () => {
    const s = await start();
    const r = raw(s.gateway.url);
    await r.open;
    r.send({ jsonrpc: '2.0', id: 'a', method: 'auth', params: { token: await s.token('u1') } });
    await until(() => r.frames.length === 1);
    r.send('{nope');
    r.send({ jsonrpc: '2.0', id: 5, method: 'rooms.join', params: { room: '' } });
    r.send({ jsonrpc: '2.0', id: 6, method: 'system.echo', params: 'x' });
    await until(() => r.frames.length === 4);
    expect(r.frames.slice(1).map((f) => (f.error as { code: number } | undefined)?.code ?? 'ok')).toEqual([-32700, -32602, 'ok']);
  });

  it('delivers a notification to every connection of its user and to nobody else', async () => {
    const s = await start();
    const tab1 = s.client('alice');
    const tab2 = s.client('alice');
    const bob = s.client('bob');
    const got = { tab1: 0, tab2: 0, bob: 0 };
    tab1.on('notification', () => got.tab1++);
    tab2.on('notification', () => got.tab2++);
    bob.on('notification', () => got.bob++);
    await Promise.all([reach(tab1, 'connected'), reach(tab2, 'connected'), reach(bob, 'connected')]);
    await s.broker.publish({ kind: 'user', user: 'alice' }, { type: 'hello' });
    await until(() => got.tab1 === 1 && got.tab2 === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual({ tab1: 1, tab2: 1, bob: 0 });
  });

  it('delivers broadcasts to every connection', async () => {
    const s = await start();
    const a = s.client('a');
    const b = s.client('b');
    const seen: string[] = [];
    a.on('broadcast', () => seen.push('a'));
    b.on('broadcast', () => seen.push('b'));
    await Promise.all([reach(a, 'connected'), reach(b, 'connected')]);
    await s.broker.publish({ kind: 'broadcast' }, { type: 'maintenance', message: 'at noon' });
    await until(() => seen.length === 2);
  });

  it('runs rooms: members only, presence, publish, leave', async () => {
    const s = await start();
    const alice = s.client('alice');
    const bob = s.client('bob');
    const carol = s.client('carol');
    const inBob: unknown[] = [];
    const inCarol: unknown[] = [];
    bob.room('game').on('message', (m) => inBob.push(m.data));
    carol.room('game').on('message', (m) => inCarol.push(m.data));
    await alice.room('game').join();
    await bob.room('game').join();
    await until(() => alice.room('game').getSnapshot().members.length === 2);
    expect(alice.room('game').getSnapshot().members.sort()).toEqual(['alice', 'bob']);
    await alice.room('game').publish('move', { x: 1 });
    await until(() => inBob.length === 1);
    expect(inBob).toEqual([{ x: 1 }]);
    bob.room('game').leave();
    await until(() => alice.room('game').getSnapshot().members.length === 1);
    await alice.room('game').publish('move', { x: 2 });
    await new Promise((r) => setTimeout(r, 50));
    expect(inBob).toHaveLength(1);
    expect(inCarol).toEqual([]);
    // Publishing needs membership by default.
    await expect(carol.room('game').publish('move', {})).rejects.toMatchObject({ code: -32002 });
  });

  it('refuses a room its authorization hook refuses, with -32002', async () => {
    // The application's rule alone decides (no public rooms here).
    const s = await start({ gateway: { publicRooms: [], authorizeRoom: (user, room) => !room.startsWith('vip') || user === 'boss' } });
    const c = s.client('u1');
    await expect(c.room('vip-lounge').join()).rejects.toMatchObject({ code: -32002 });
    await expect(s.client('boss').room('vip-lounge').join()).resolves.toBeUndefined();
  });

  it('routes calls by method: workers with disjoint and overlapping methods under load, no -32601 for a served method', async () => {
    const echo = (tag: string) => (name: string) =>
      defineMethod(name, { params: z.object({ i: z.number() }), result: z.object({ by: z.string(), i: z.number() }) }, async ({ i }) => {
        await new Promise((r) => setTimeout(r, 2));
        return { by: tag, i };
      });
    const s = await start({ methods: [], workers: 0, gateway: { callsPerSecond: 1000, callsPerSecondPerUser: 1000, maxPendingCalls: 1000 } });
    const workers = [
      createWorker({ broker: s.broker, name: 'orders', methods: ['orders.a', 'orders.b'].map(echo('orders')) }),
      createWorker({ broker: s.broker, name: 'tasks', methods: ['tasks.a'].map(echo('tasks')) }),
      createWorker({ broker: s.broker, name: 'both', methods: ['orders.a', 'tasks.a'].map(echo('both')) }),
    ];
    try {
      const c = s.client('u1', { random: () => 0 });
      const names = ['orders.a', 'orders.b', 'tasks.a'];
      const results = await Promise.allSettled(Array.from({ length: 150 }, (_, i) => c.call(names[i % 3]!, { i })));
      const failed = results.filter((r) => r.status === 'rejected');
      expect(failed).toEqual([]);
      const by = results.map((r) => (r as PromiseFulfilledResult<{ by: string }>).value.by);
      // orders.b only on "orders", tasks.a never on "orders".
      expect(by.filter((_, i) => i % 3 === 1).every((w) => w === 'orders')).toBe(true);
      expect(by.filter((_, i) => i % 3 === 2).every((w) => w !== 'orders')).toBe(true);
      // A method nobody serves is answered at once, not after the call's deadline.
      const started = Date.now();
      await expect(c.call('nobody.serves.this')).rejects.toMatchObject({ code: -32601 });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  });

  it('joins a $ room with a room token from the client, and refuses it without one', async () => {
    const s = await start();
    const c = s.client('u1');
    await expect(c.room('$vip').join()).rejects.toMatchObject({ code: -32002 });
    const withToken = s.client('u1').room('$vip', { token: () => signDevRoomToken(SECRET, 'u1', '$vip') });
    await expect(withToken.join()).resolves.toBeUndefined();
    const forBob = s.client('u1').room('$other', { token: () => signDevRoomToken(SECRET, 'bob', '$other') });
    await expect(forBob.join()).rejects.toMatchObject({ code: -32002 });
  });

  it('replays what a reconnecting client missed, once, in order', async () => {
    const s = await start();
    const c = s.client('alice', { random: () => 0 });
    const notes: string[] = [];
    const moves: unknown[] = [];
    c.on('notification', (n) => notes.push(n.type));
    c.room('r').on('message', (m) => moves.push(m.data));
    await c.room('r').join();
    await s.broker.publish({ kind: 'user', user: 'alice' }, { type: 'before' });
    await until(() => notes.length === 1);
    // Cut the client's socket from the server side, then publish while it is away.
    c.close();
    await s.broker.publish({ kind: 'user', user: 'alice' }, { type: 'missed-1' });
    await s.broker.publish({ kind: 'room', room: 'r' }, { event: 'm', data: 1 });
    await s.broker.publish({ kind: 'user', user: 'alice' }, { type: 'missed-2' });
    c.connect();
    await until(() => notes.length === 3 && moves.length === 1);
    expect(notes).toEqual(['before', 'missed-1', 'missed-2']);
  });

  it('tells a reconnecting client when what it missed is gone (gap), and resumes from the new position', async () => {
    const s = await start();
    const c = s.client('alice', { random: () => 0 });
    const gaps: unknown[] = [];
    c.on('gap', (g) => gaps.push(g));
    await reach(c, 'connected');
    await s.broker.publish({ kind: 'user', user: 'alice' }, { type: 'seen' });
    await until(() => c.getSnapshot().state === 'connected');
    await new Promise((r) => setTimeout(r, 50));
    c.close();
    // More than the history keeps (1000 by default) while away: the oldest missed ones are trimmed.
    for (let i = 0; i < 1005; i++) await s.broker.publish({ kind: 'user', user: 'alice' }, { type: 'flood' });
    c.connect();
    await until(() => gaps.length === 1, 5000);
    expect(gaps).toEqual([{ stream: 'user' }]);
  });

  it('subscribes to a user only while that user has a connection here', async () => {
    const s = await start();
    const base = s.gateway.core.stats().subscriptions; // broadcasts, always
    const c = s.client('alice');
    await reach(c, 'connected');
    expect(s.gateway.core.stats().subscriptions).toBe(base + 1);
    await c.room('r').join();
    expect(s.gateway.core.stats().subscriptions).toBe(base + 2);
    c.close();
    await until(() => s.gateway.core.stats().subscriptions === base);
  });

  it('runs a call resent after a dropped connection once, and answers the resend', async () => {
    const s = await start();
    const sockets: WebSocket[] = [];
    class Tracked extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        sockets.push(this);
      }
    }
    const c = s.client('alice', { random: () => 0, WebSocket: Tracked });
    const states: string[] = [];
    c.on('state', (e) => states.push(e.to));
    await reach(c, 'connected');
    const slow = c.call('demo.slow', { ms: 300 });
    const created = c.call('orders.create', { sku: 'X', qty: 1 });
    await new Promise((r) => setTimeout(r, 50));
    sockets[0]!.terminate(); // the network drops: both calls are in flight
    await expect(slow).resolves.toEqual({ waited: 300 });
    const order = await created;
    expect(await c.call('orders.runs')).toEqual({ runs: 1 });
    expect(await c.call('orders.list')).toEqual([order]);
    expect(sockets.length).toBe(2);
    expect(states).toContain('reconnecting');
  });
}

describe('gateway on the memory broker', () => gatewaySuite(async () => createMemoryBroker({ prefix: `gw-${nanoid(6)}:` })));
await describeWithRedis('gateway on Redis', () =>
  gatewaySuite(() => createRedisBroker({ url: redisUrl, prefix: `tether-test:gw-${nanoid(6)}:`, onError: () => {} })),
);

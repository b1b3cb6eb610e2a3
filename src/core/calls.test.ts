import { describe, expect, it, vi } from 'vitest';
import { NO_ANSWER } from '../testing/fake-gateway.ts';
import { advance, harness } from '../testing/harness.ts';
import { AbortError, ClosedError, OfflineError, RpcError, TimeoutError } from './errors.ts';

const h = harness();

describe('calls', () => {
  it('resolves with the result, using nanoid ids', async () => {
    const gw = h.gateway();
    gw.method('system.echo', (p) => p);
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const r = client.call('system.echo', { a: 1 });
    await advance(0);
    await expect(r).resolves.toEqual({ a: 1 });
    expect(gw.sent('system.echo')[0]!.id).toMatch(/^[\w-]{21}$/);
  });

  it('rejects with an RpcError carrying code, message and data', async () => {
    const gw = h.gateway();
    gw.method('orders.get', () => {
      throw { code: 404, message: 'Order not found', data: { id: 7 } };
    });
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const r = client.call('orders.get', { id: 7 }).catch((e: unknown) => e);
    await advance(0);
    const error = await r;
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({ code: 404, message: 'Order not found', data: { id: 7 } });
  });

  it('rejects with TimeoutError at its deadline and ignores a late answer', async () => {
    const gw = h.gateway();
    let answer: (v: unknown) => void = () => {};
    gw.method('slow', () => new Promise((r) => (answer = r)));
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const r = client.call('slow', undefined, { timeoutMs: 1000 });
    const check = expect(r).rejects.toBeInstanceOf(TimeoutError);
    await advance(1000);
    await check;
    answer('late');
    await advance(0);
    expect(client.stats().pending).toBe(0);
  });

  it('rejects with AbortError when the signal fires, and at once for an aborted signal', async () => {
    const gw = h.gateway();
    gw.method('slow', () => NO_ANSWER);
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const ctl = new AbortController();
    const r = client.call('slow', undefined, { signal: ctl.signal });
    ctl.abort();
    await expect(r).rejects.toBeInstanceOf(AbortError);
    await expect(client.call('slow', undefined, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
    expect(client.stats().pending).toBe(0);
  });

  it('queues a call made offline and resolves it after reconnect', async () => {
    const gw = h.gateway();
    gw.method('orders.create', () => ({ id: 'o1' }));
    const { client, page } = h.client({ url: gw.url });
    await advance(10);
    page.goOffline();
    const r = client.call('orders.create', { qty: 1 });
    await advance(0);
    expect(client.getSnapshot()).toMatchObject({ state: 'offline', queued: 1 });
    await advance(5000);
    page.goOnline();
    await advance(10);
    await expect(r).resolves.toEqual({ id: 'o1' });
    expect(client.getSnapshot().queued).toBe(0);
    expect(gw.sent('orders.create')).toHaveLength(1);
  });

  it('rejects a call made with a 2 s deadline while offline at 2 s', async () => {
    const gw = h.gateway();
    const { client, page } = h.client({ url: gw.url });
    await advance(10);
    page.goOffline();
    const start = Date.now();
    const r = client.call('orders.create', {}, { timeoutMs: 2000 });
    let at = 0;
    r.catch(() => (at = Date.now()));
    await advance(1999);
    expect(at).toBe(0);
    await advance(1);
    await expect(r).rejects.toBeInstanceOf(TimeoutError);
    expect(at - start).toBe(2000);
    expect(client.getSnapshot().queued).toBe(0);
  });

  it('counts time in the outbox against the deadline', async () => {
    const gw = h.gateway();
    gw.method('slow', () => new Promise((r) => setTimeout(() => r('done'), 1500)));
    const { client, page } = h.client({ url: gw.url });
    await advance(10);
    page.goOffline();
    const r = client.call('slow', {}, { timeoutMs: 2000 });
    const check = expect(r).rejects.toBeInstanceOf(TimeoutError);
    await advance(1000);
    page.goOnline(); // sent at 1 s, answered at 2.5 s: past the deadline
    await advance(2000);
    await check;
  });

  it('rejects at once with OfflineError under the reject policy', async () => {
    const gw = h.gateway();
    const { client, page } = h.client({ url: gw.url, offline: 'reject' });
    await advance(10);
    page.goOffline();
    await expect(client.call('x')).rejects.toBeInstanceOf(OfflineError);
    // A per-call policy overrides the client's.
    const queued = client.call('x', {}, { offline: 'queue', timeoutMs: 100 });
    const check = expect(queued).rejects.toBeInstanceOf(TimeoutError);
    expect(client.getSnapshot().queued).toBe(1);
    await advance(100);
    await check;
  });

  it('bounds the outbox', async () => {
    const gw = h.gateway();
    const { client, page } = h.client({ url: gw.url, outboxLimit: 3 });
    await advance(10);
    page.goOffline();
    const calls = [1, 2, 3].map(() => client.call('x', {}, { timeoutMs: 1000 }).catch((e: unknown) => e));
    await expect(client.call('x')).rejects.toBeInstanceOf(OfflineError);
    await advance(1000);
    for (const c of calls) expect(await c).toBeInstanceOf(TimeoutError);
  });

  it('resends calls in flight when the socket dies, with the same id, and settles each once', async () => {
    const gw = h.gateway();
    let runs = 0;
    gw.method('orders.create', (_p, conn) => {
      runs++;
      // The first connection dies before answering.
      return conn === gw.conns[0] ? NO_ANSWER : { id: 'o1' };
    });
    const { client } = h.client({ url: gw.url, random: () => 0 });
    await advance(10);
    const settled = vi.fn();
    const r = client.call('orders.create', { qty: 1 });
    r.then(settled, settled);
    await advance(0);
    gw.closeAll(1006);
    await advance(10);
    await expect(r).resolves.toEqual({ id: 'o1' });
    const ids = gw.sent('orders.create').map((f) => f.id);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
    // A duplicate answer (the gateway replaying the original result) changes nothing.
    gw.last.send({ jsonrpc: '2.0', id: ids[0], result: { id: 'other' } });
    await advance(0);
    expect(settled).toHaveBeenCalledTimes(1);
    expect(runs).toBe(2);
  });

  it('sends the outbox in call order after re-auth, resends first', async () => {
    const gw = h.gateway();
    gw.method('a', (_p, conn) => (conn === gw.conns[0] ? NO_ANSWER : 'a'));
    gw.method('b', () => 'b');
    gw.method('c', () => 'c');
    const { client, page } = h.client({ url: gw.url });
    await advance(10);
    const a = client.call('a');
    await advance(0);
    page.goOffline();
    const b = client.call('b');
    const c = client.call('c');
    page.goOnline();
    await advance(10);
    expect(await Promise.all([a, b, c])).toEqual(['a', 'b', 'c']);
    expect(gw.last.received.map((f) => f.method)).toEqual(['auth', 'a', 'b', 'c']);
  });

  it('sends calls made while connecting once authenticated, never before the auth frame', async () => {
    const gw = h.gateway();
    gw.method('x', () => 1);
    const { client } = h.client({ url: gw.url });
    const r = client.call('x');
    await advance(10);
    await expect(r).resolves.toBe(1);
    expect(gw.last.received.map((f) => f.method)).toEqual(['auth', 'x']);
  });

  it('rejects queued calls with RpcError -32001 when the client becomes unauthorized', async () => {
    const gw = h.gateway({ authorize: () => undefined });
    const { client } = h.client({ url: gw.url, autoConnect: false });
    const r = client.call('x');
    const check = expect(r).rejects.toMatchObject({ code: -32001 });
    client.connect();
    await advance(10);
    await check;
  });

  it('reports a response to an unknown id only by ignoring it', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url });
    const errors: unknown[] = [];
    client.on('error', (e) => errors.push(e));
    await advance(10);
    gw.last.send({ jsonrpc: '2.0', id: 'nope', result: 1 });
    await advance(0);
    expect(errors).toEqual([]);
    expect(client.getSnapshot().state).toBe('connected');
  });

  it('rejects every pending call with ClosedError on close()', async () => {
    const gw = h.gateway();
    gw.method('slow', () => NO_ANSWER);
    const { client, page } = h.client({ url: gw.url });
    await advance(10);
    const inFlight = client.call('slow').catch((e: unknown) => e);
    await advance(0);
    page.goOffline();
    const queued = client.call('slow').catch((e: unknown) => e);
    client.close();
    expect(await inFlight).toBeInstanceOf(ClosedError);
    expect(await queued).toBeInstanceOf(ClosedError);
    expect(client.stats()).toMatchObject({ pending: 0, queued: 0 });
  });
});

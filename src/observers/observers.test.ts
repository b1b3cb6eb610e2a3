import { describe, expect, it, vi } from 'vitest';
import { advance, harness } from '../testing/harness.ts';
import { createCallObserver } from './call.ts';
import { createNotificationsObserver } from './notifications.ts';
import { createRoomObserver } from './room.ts';

const h = harness();

describe('call observer', () => {
  it('runs when observed, again when params change by value, and after a reconnect', async () => {
    const gw = h.gateway();
    const seen: unknown[] = [];
    gw.method('orders.list', (p) => (seen.push(p), [{ page: p?.page }]));
    const { client } = h.client({ url: gw.url, random: () => 0 });
    const o = createCallObserver(client, 'orders.list', { params: { page: 1, size: 10 } });
    expect(o.getSnapshot().status).toBe('idle');
    const off = o.subscribe(() => {});
    await advance(10);
    expect(o.getSnapshot()).toMatchObject({ status: 'success', data: [{ page: 1 }] });
    o.setParams({ size: 10, page: 1 }); // same value, other key order: no new call
    await advance(10);
    expect(seen).toHaveLength(1);
    o.setParams({ page: 2, size: 10 });
    await advance(10);
    expect(o.getSnapshot().data).toEqual([{ page: 2 }]);
    gw.closeAll(1011);
    await advance(10);
    expect(seen).toHaveLength(3); // refetched after the reconnect
    off();
  });

  it('keeps the last data while loading and after an error, and drops superseded answers', async () => {
    const gw = h.gateway();
    let n = 0;
    gw.method('slow', (p) => (n++ === 0 ? new Promise((r) => setTimeout(() => r('old'), 500)) : p?.v === 'bad' ? Promise.reject({ code: 1, message: 'no' }) : 'new'));
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const o = createCallObserver(client, 'slow', { params: { v: 1 } });
    const off = o.subscribe(() => {});
    await advance(10);
    o.setParams({ v: 2 });
    await advance(10);
    expect(o.getSnapshot()).toMatchObject({ status: 'success', data: 'new' });
    await advance(600); // the first, slower answer arrives last: dropped
    expect(o.getSnapshot().data).toBe('new');
    o.setParams({ v: 'bad' });
    expect(o.getSnapshot()).toMatchObject({ status: 'loading', data: 'new' });
    await advance(10);
    expect(o.getSnapshot()).toMatchObject({ status: 'error', data: 'new', error: expect.objectContaining({ code: 1 }) });
    off();
  });

  it('sees params mutated in place as changed (a Vue reactive object)', async () => {
    const gw = h.gateway();
    gw.method('orders.list', (p) => [{ page: p?.page }]);
    const { client } = h.client({ url: gw.url });
    const params = { page: 1 };
    const o = createCallObserver(client, 'orders.list', { params });
    const off = o.subscribe(() => {});
    await advance(10);
    params.page = 2;
    o.setParams(params);
    await advance(10);
    expect(o.getSnapshot().data).toEqual([{ page: 2 }]);
    off();
  });

  it("runs again on the first connection when it failed before it (offline: 'reject')", async () => {
    const gw = h.gateway();
    gw.method('orders.list', () => ['ok']);
    const { client } = h.client({ url: gw.url, autoConnect: false });
    const o = createCallObserver(client, 'orders.list', { params: {}, offline: 'reject' });
    const off = o.subscribe(() => {});
    await advance(0);
    expect(o.getSnapshot().status).toBe('error');
    client.connect();
    await advance(10);
    expect(o.getSnapshot()).toMatchObject({ status: 'success', data: ['ok'] });
    off();
  });

  it('is lazy without params: runs only on call()', async () => {
    const gw = h.gateway();
    gw.method('orders.create', (p) => ({ id: 'o1', ...p }));
    const { client } = h.client({ url: gw.url });
    const o = createCallObserver(client, 'orders.create');
    const off = o.subscribe(() => {});
    await advance(10);
    expect(gw.sent('orders.create')).toHaveLength(0);
    const r = o.call({ sku: 'a' });
    await advance(10);
    await expect(r).resolves.toEqual({ id: 'o1', sku: 'a' });
    expect(o.getSnapshot()).toMatchObject({ status: 'success', data: { id: 'o1', sku: 'a' } });
    off();
  });
});

describe('notifications observer', () => {
  it('keeps matching notifications newest first, bounded, and calls the handler', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const handler = vi.fn();
    const o = createNotificationsObserver(client, { filter: 'order', limit: 2, onNotification: handler });
    const off = o.subscribe(() => {});
    for (const type of ['order', 'chat', 'order', 'order']) gw.notify('u1', type, { type });
    await advance(0);
    expect(o.getSnapshot().map((n) => n.offset)).toEqual(['fake:1-4', 'fake:1-3']);
    expect(handler).toHaveBeenCalledTimes(3);
    off();
    await advance(0);
    gw.notify('u1', 'order');
    await advance(0);
    expect(handler).toHaveBeenCalledTimes(3); // stopped after the last unsubscribe
  });
});

describe('room observer', () => {
  it('joins once for any number of subscribers and survives a StrictMode remount without leaving', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const o = createRoomObserver(client, 'game', { limit: 2 });
    const a = o.subscribe(() => {});
    a(); // StrictMode: unmount…
    const b = o.subscribe(() => {}); // …and mount again, in the same task
    const c = createRoomObserver(client, 'game').subscribe(() => {});
    await advance(10);
    expect(gw.sent('rooms.join')).toHaveLength(1);
    expect(gw.sent('rooms.leave')).toHaveLength(0);
    expect(o.getSnapshot()).toMatchObject({ status: 'joined', members: ['u1'] });
    for (const i of [1, 2, 3]) gw.toRoom('game', 'move', { i });
    await advance(0);
    expect(o.getSnapshot().messages.map((m) => m.data)).toEqual([{ i: 2 }, { i: 3 }]);
    b();
    c();
    await advance(10);
    expect(gw.sent('rooms.leave')).toHaveLength(1);
  });

  it('publishes to the room', async () => {
    const gw = h.gateway();
    gw.method('rooms.publish', (p) => ({ offset: '1-1', p }));
    const { client } = h.client({ url: gw.url });
    const o = createRoomObserver(client, 'r');
    const off = o.subscribe(() => {});
    await advance(10);
    const sent = o.publish('chat', { text: 'hi' });
    await advance(10);
    await expect(sent).resolves.toMatchObject({ p: { room: 'r', event: 'chat', data: { text: 'hi' } } });
    off();
  });
});

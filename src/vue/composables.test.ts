import { mount } from '@vue/test-utils';
import { describe, expect, it, vi } from 'vitest';
import { defineComponent, h, nextTick, reactive, ref, type Component } from 'vue';
import type { Client, Contract } from '../core/index.ts';
import { RpcError } from '../core/index.ts';
import { advance, harness } from '../testing/harness.ts';
import { useNotification, useRoom, useRpc } from './composables.ts';
import { createTether } from './plugin.ts';

const t = harness();

/** Run `setup` in a mounted component of an app with `client` installed; returns what it returned. */
function withSetup<T>(client: Client<Contract>, setup: () => T) {
  let result!: T;
  const wrapper = mount(defineComponent({ setup: () => ((result = setup()), () => h('div')) }), {
    global: { plugins: [createTether(client)] },
  });
  return { result, wrapper };
}

describe('useRpc', () => {
  it('runs once, reruns when a ref param changes by value, not when replaced by an equal object', async () => {
    const gw = t.gateway();
    gw.method('orders.list', (p) => [{ page: p?.page }]);
    const { client } = t.client({ url: gw.url });
    const params = ref({ page: 1, size: 10 });
    const { result } = withSetup(client, () => useRpc('orders.list', params));
    expect(result.status.value).toBe('loading');
    await advance(10);
    expect(gw.sent('orders.list')).toHaveLength(1);
    expect(result.status.value).toBe('success');
    expect(result.data.value).toEqual([{ page: 1 }]);

    params.value = { size: 10, page: 1 };
    await nextTick();
    await advance(10);
    expect(gw.sent('orders.list')).toHaveLength(1);

    params.value = { page: 2, size: 10 };
    await nextTick();
    await advance(10);
    expect(gw.sent('orders.list')).toHaveLength(2);
    expect(result.data.value).toEqual([{ page: 2 }]);

    params.value.page = 3; // mutated in place: the deep watch sees it
    await nextTick();
    await advance(10);
    expect(gw.sent('orders.list').map((f) => f.params)).toEqual([
      { page: 1, size: 10 },
      { page: 2, size: 10 },
      { page: 3, size: 10 },
    ]);
    expect(result.data.value).toEqual([{ page: 3 }]);
  });

  it('takes a getter over reactive state, and waits while it returns undefined', async () => {
    const gw = t.gateway();
    gw.method('orders.get', (p) => ({ id: p?.id }));
    const { client } = t.client({ url: gw.url });
    const filter = reactive({ id: '' });
    const { result } = withSetup(client, () => useRpc('orders.get', () => (filter.id ? { id: filter.id } : undefined)));
    await advance(10);
    expect(gw.sent('orders.get')).toHaveLength(0);
    expect(result.status.value).toBe('idle');
    filter.id = 'o1';
    await nextTick();
    await advance(10);
    expect(result.data.value).toEqual({ id: 'o1' });
  });

  it('refetches after a reconnect', async () => {
    const gw = t.gateway();
    let n = 0;
    gw.method('orders.count', () => ++n);
    const { client } = t.client({ url: gw.url, random: () => 0 });
    const { result } = withSetup(client, () => useRpc('orders.count', {}));
    await advance(10);
    expect(result.data.value).toBe(1);
    gw.closeAll(1011);
    await advance(10);
    expect(client.getSnapshot().state).toBe('connected');
    expect(result.data.value).toBe(2);
    expect(gw.sent('orders.count')).toHaveLength(2);
  });

  it('refetches on refetch()', async () => {
    const gw = t.gateway();
    let n = 0;
    gw.method('orders.count', () => ++n);
    const { client } = t.client({ url: gw.url });
    const { result } = withSetup(client, () => useRpc<number>('orders.count', {}));
    await advance(10);
    const again = result.refetch();
    await advance(10);
    await expect(again).resolves.toBe(2);
    expect(result.data.value).toBe(2);
  });

  it('exposes the RpcError of a refused call in error, keeping the last data', async () => {
    const gw = t.gateway();
    gw.method('orders.create', (p) => {
      if (typeof p?.qty !== 'number') throw { code: -32602, message: 'Invalid params' };
      return { id: 'o1' };
    });
    const { client } = t.client({ url: gw.url });
    const params = ref<{ qty: unknown }>({ qty: 1 });
    const { result } = withSetup(client, () => useRpc('orders.create', params));
    await advance(10);
    params.value = { qty: 'one' };
    await nextTick();
    await advance(10);
    expect(result.status.value).toBe('error');
    expect(result.error.value).toBeInstanceOf(RpcError);
    expect(result.error.value).toMatchObject({ code: -32602, message: 'Invalid params' });
    expect(result.data.value).toEqual({ id: 'o1' });
  });

  it('is lazy without params: sends nothing until call()', async () => {
    const gw = t.gateway();
    gw.method('orders.create', (p) => ({ id: 'o1', ...p }));
    const { client } = t.client({ url: gw.url });
    const { result } = withSetup(client, () => useRpc('orders.create'));
    await advance(10);
    expect(gw.sent('orders.create')).toHaveLength(0);
    expect(result.status.value).toBe('idle');
    const created = result.call({ sku: 'a' });
    expect(result.status.value).toBe('loading');
    await advance(10);
    await expect(created).resolves.toEqual({ id: 'o1', sku: 'a' });
    expect(result.data.value).toEqual({ id: 'o1', sku: 'a' });
    gw.closeAll(1011);
    await advance(10);
    expect(gw.sent('orders.create')).toHaveLength(1); // a lazy call is not rerun after a reconnect
  });

  it('drops its listeners when the component unmounts', async () => {
    const gw = t.gateway();
    gw.method('orders.count', () => 1);
    const { client } = t.client({ url: gw.url });
    const before = client.stats().listeners;
    const { wrapper } = withSetup(client, () => useRpc('orders.count', {}));
    await advance(10);
    expect(client.stats().listeners).toBeGreaterThan(before);
    wrapper.unmount();
    await advance(0);
    expect(client.stats().listeners).toBe(before);
  });
});

describe('useNotification', () => {
  it('lists matching notifications newest first and hands each new one to the handler', async () => {
    const gw = t.gateway();
    const { client } = t.client({ url: gw.url });
    await advance(10);
    const handler = vi.fn();
    const { result } = withSetup(client, () => useNotification('order', handler));
    for (const id of ['a', 'b']) gw.notify('u1', 'order', { id });
    gw.notify('u1', 'chat');
    await advance(0);
    expect(result.value.map((n) => n.data)).toEqual([{ id: 'b' }, { id: 'a' }]);
    expect(handler).toHaveBeenCalledTimes(2);
    expect(handler).toHaveBeenLastCalledWith(expect.objectContaining({ type: 'order', data: { id: 'b' } }));
  });
});

describe('useRoom', () => {
  const Room = defineComponent({
    props: { name: { type: String, required: true } },
    setup(props) {
      const { status, members, messages } = useRoom(() => props.name);
      return () => h('p', `${status.value} [${members.value.join()}] ${messages.value.map((m) => m.event).join()}`);
    },
  });

  it('joins once for two components in the same room, shows its state, and leaves after both unmount', async () => {
    const gw = t.gateway();
    const { client } = t.client({ url: gw.url });
    await advance(10);
    const shown = reactive({ a: true, b: true });
    const App: Component = { setup: () => () => h('div', [shown.a && h(Room, { name: 'game' }), shown.b && h(Room, { name: 'game' })]) };
    const wrapper = mount(App, { global: { plugins: [createTether(client)] } });
    await advance(10);
    gw.toRoom('game', 'move', { x: 1 });
    await advance(0);
    await nextTick();
    expect(gw.sent('rooms.join')).toHaveLength(1);
    expect(wrapper.findAll('p').map((p) => p.text())).toEqual(['joined [u1] move', 'joined [u1] move']);

    shown.a = false;
    await nextTick();
    await advance(10);
    expect(gw.sent('rooms.leave')).toHaveLength(0);
    shown.b = false;
    await nextTick();
    await advance(10);
    expect(gw.sent('rooms.leave')).toHaveLength(1);
    expect(gw.members('game')).toHaveLength(0);
  });

  it('leaves the old room and joins the new one when a ref name changes', async () => {
    const gw = t.gateway();
    const { client } = t.client({ url: gw.url });
    await advance(10);
    const name = ref('lobby');
    const { result, wrapper } = withSetup(client, () => useRoom(name));
    await advance(10);
    expect(result.status.value).toBe('joined');
    name.value = 'game';
    await nextTick();
    expect(result.status.value).toBe('joining');
    await advance(10);
    expect(gw.sent('rooms.join').map((f) => f.params?.room)).toEqual(['lobby', 'game']);
    expect(gw.sent('rooms.leave').map((f) => f.params?.room)).toEqual(['lobby']);
    expect(result.status.value).toBe('joined');
    wrapper.unmount();
    await advance(10);
    expect(gw.sent('rooms.leave').map((f) => f.params?.room)).toEqual(['lobby', 'game']);
  });

  it('shows a refusal in error and publishes to the current room', async () => {
    const gw = t.gateway({ forbidden: ['vip'] });
    gw.method('rooms.publish', (p) => ({ offset: '1-1', room: p?.room }));
    const { client } = t.client({ url: gw.url });
    await advance(10);
    const name = ref('vip');
    const { result } = withSetup(client, () => useRoom(name));
    await advance(10);
    expect(result.status.value).toBe('error');
    expect(result.error.value).toMatchObject({ code: -32002 });
    name.value = 'chat';
    await nextTick();
    await advance(10);
    const sent = result.publish('say', { text: 'hi' });
    await advance(10);
    await expect(sent).resolves.toEqual({ offset: '1-1', room: 'chat' });
  });
});

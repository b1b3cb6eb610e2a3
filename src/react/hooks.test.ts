import { act, cleanup, render, renderHook } from '@testing-library/react';
import { createElement, StrictMode, type ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RpcError, type Client } from '../core/index.ts';
import { advance, harness } from '../testing/harness.ts';
import { useConnectionState, useNotification, useRoom, useRpc } from './hooks.ts';
import { TetherProvider, useClient } from './provider.ts';

const h = harness();
// Registered after the harness's own afterEach, so it runs first: unmount while the fake clock still ticks.
afterEach(cleanup);

/** A wrapper putting `client` in the tree, inside `<StrictMode>` when `strict`. */
const inProvider =
  (client: Client, strict = false) =>
  ({ children }: { children?: ReactNode }) => {
    const tree = createElement(TetherProvider, { client }, children);
    return strict ? createElement(StrictMode, null, tree) : tree;
  };
const tick = (ms = 10) => act(() => advance(ms));

describe('TetherProvider and useClient', () => {
  it('throws a clear error outside a provider', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => renderHook(() => useClient())).toThrow(/inside <TetherProvider client=\{client\}>/);
    vi.mocked(console.error).mockRestore();
  });

  it('gives the hooks the client it was given', () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url, autoConnect: false });
    const { result } = renderHook(() => useClient(), { wrapper: inProvider(client) });
    expect(result.current).toBe(client);
  });
});

describe('useConnectionState', () => {
  it('follows the client through connecting to connected', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url, autoConnect: false });
    const seen: string[] = [];
    const { result } = renderHook(
      () => {
        const s = useConnectionState();
        if (seen.at(-1) !== s.state) seen.push(s.state);
        return s;
      },
      { wrapper: inProvider(client) },
    );
    expect(result.current.state).toBe('idle');
    act(() => client.connect());
    expect(result.current.state).toBe('connecting');
    await tick();
    expect(result.current).toMatchObject({ state: 'connected', user: 'u1', attempt: 0, queued: 0 });
    expect(seen).toEqual(['idle', 'connecting', 'authenticating', 'connected']);
  });
});

describe('useRpc with params', () => {
  it('runs once under StrictMode', async () => {
    const gw = h.gateway();
    gw.method('orders.list', (p) => [{ page: p?.page }]);
    const { client } = h.client({ url: gw.url });
    const { result } = renderHook(() => useRpc('orders.list', { page: 1 }), { wrapper: inProvider(client, true) });
    expect(result.current.status).toBe('loading');
    await tick();
    expect(gw.sent('orders.list')).toHaveLength(1);
    expect(result.current).toMatchObject({ status: 'success', data: [{ page: 1 }], error: undefined });
  });

  it('runs again when params change by value, not for a new object with the same value', async () => {
    const gw = h.gateway();
    gw.method('orders.list', (p) => [{ page: p?.page }]);
    const { client } = h.client({ url: gw.url });
    const { result, rerender } = renderHook(({ page }) => useRpc('orders.list', { page, size: 10 }), {
      wrapper: inProvider(client),
      initialProps: { page: 1 },
    });
    await tick();
    rerender({ page: 1 }); // a new params object, the same value
    await tick();
    expect(gw.sent('orders.list')).toHaveLength(1);
    rerender({ page: 2 });
    await tick();
    expect(gw.sent('orders.list').map((f) => f.params)).toEqual([
      { page: 1, size: 10 },
      { page: 2, size: 10 },
    ]);
    expect(result.current.data).toEqual([{ page: 2 }]);
  });

  it('refetches after a reconnect', async () => {
    const gw = h.gateway();
    let n = 0;
    gw.method('orders.count', () => ++n);
    const { client } = h.client({ url: gw.url, random: () => 0 });
    const { result } = renderHook(() => useRpc('orders.count', {}), { wrapper: inProvider(client) });
    await tick();
    expect(result.current.data).toBe(1);
    gw.closeAll(1011);
    await tick();
    expect(gw.conns).toHaveLength(2);
    expect(result.current).toMatchObject({ status: 'success', data: 2 });
  });

  it('refetches on refetch()', async () => {
    const gw = h.gateway();
    let n = 0;
    gw.method('orders.count', () => ++n);
    const { client } = h.client({ url: gw.url });
    const { result } = renderHook(() => useRpc('orders.count', {}), { wrapper: inProvider(client) });
    await tick();
    let refetched: Promise<unknown> | undefined;
    act(() => void (refetched = result.current.refetch()));
    await tick();
    await expect(refetched).resolves.toBe(2);
    expect(result.current.data).toBe(2);
  });

  it('shows the RpcError of a refused call in error', async () => {
    const gw = h.gateway();
    const issues = [{ path: ['qty'], message: 'Expected number' }];
    gw.method('orders.create', () => {
      throw { code: -32602, message: 'Invalid params', data: { issues } };
    });
    const { client } = h.client({ url: gw.url });
    const { result } = renderHook(() => useRpc('orders.create', { qty: 'x' }), { wrapper: inProvider(client) });
    await tick();
    expect(result.current.status).toBe('error');
    expect(result.current.error).toBeInstanceOf(RpcError);
    expect(result.current.error).toMatchObject({ code: -32602, data: { issues } });
  });
});

describe('useRpc without params', () => {
  it('runs only on call(), and shows the result', async () => {
    const gw = h.gateway();
    gw.method('orders.create', (p) => ({ id: 'o1', ...p }));
    const { client } = h.client({ url: gw.url });
    const { result } = renderHook(() => useRpc('orders.create'), { wrapper: inProvider(client) });
    await tick();
    expect(gw.sent('orders.create')).toHaveLength(0);
    expect(result.current.status).toBe('idle');
    let created: Promise<unknown> | undefined;
    act(() => void (created = result.current.call({ sku: 'a' })));
    expect(result.current.status).toBe('loading');
    await tick();
    await expect(created).resolves.toEqual({ id: 'o1', sku: 'a' });
    expect(result.current).toMatchObject({ status: 'success', data: { id: 'o1', sku: 'a' } });
    expect(gw.sent('orders.create')).toHaveLength(1);
  });
});

describe('useNotification', () => {
  it('lists matching notifications newest first and hands each new one to the latest handler', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const first = vi.fn();
    const latest = vi.fn();
    const { result, rerender } = renderHook(({ handler }) => useNotification('order', handler), {
      wrapper: inProvider(client),
      initialProps: { handler: first },
    });
    rerender({ handler: latest });
    act(() => {
      for (const type of ['order', 'chat', 'order']) gw.notify('u1', type, { type });
    });
    await tick(0);
    expect(result.current.map((n) => n.offset)).toEqual(['fake:1-3', 'fake:1-1']);
    expect(first).not.toHaveBeenCalled();
    expect(latest).toHaveBeenCalledTimes(2);
    expect(latest).toHaveBeenLastCalledWith(expect.objectContaining({ type: 'order', offset: 'fake:1-3' }));
  });

  it('keeps every notification without a filter', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const { result } = renderHook(() => useNotification(), { wrapper: inProvider(client) });
    act(() => {
      gw.notify('u1', 'order');
      gw.notify('u1', 'chat');
    });
    await tick(0);
    expect(result.current.map((n) => n.type)).toEqual(['chat', 'order']);
  });
});

describe('useRoom', () => {
  function Game({ name }: { name: string }) {
    const { status, members, messages } = useRoom('game');
    return createElement('p', { 'data-testid': name }, `${status} [${members.join()}] ${messages.map((m) => m.event).join()}`);
  }

  it('joins once for two components, shows members and messages, and leaves once after both unmount', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const view = render(createElement('div', null, createElement(Game, { name: 'a' }), createElement(Game, { name: 'b' })), {
      wrapper: inProvider(client),
    });
    await tick();
    expect(gw.sent('rooms.join')).toHaveLength(1);
    act(() => {
      gw.toRoom('game', 'move');
      gw.toRoom('game', 'chat');
    });
    await tick(0);
    expect(view.getByTestId('a').textContent).toBe('joined [u1] move,chat');
    expect(view.getByTestId('b').textContent).toBe('joined [u1] move,chat');
    view.unmount();
    await advance(10);
    expect(gw.sent('rooms.leave')).toHaveLength(1);
  });

  it('joins once and never leaves across StrictMode’s double mount', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const view = render(createElement(Game, { name: 'a' }), { wrapper: inProvider(client, true) });
    await tick();
    expect(gw.sent('rooms.join')).toHaveLength(1);
    expect(gw.sent('rooms.leave')).toHaveLength(0);
    expect(view.getByTestId('a').textContent).toBe('joined [u1] ');
  });

  it('publishes to the room', async () => {
    const gw = h.gateway();
    gw.method('rooms.publish', (p) => ({ offset: '1-1', p }));
    const { client } = h.client({ url: gw.url });
    const { result } = renderHook(() => useRoom('r'), { wrapper: inProvider(client) });
    await tick();
    let sent: Promise<unknown> | undefined;
    act(() => void (sent = result.current.publish('chat', { text: 'hi' })));
    await tick();
    await expect(sent).resolves.toMatchObject({ p: { room: 'r', event: 'chat', data: { text: 'hi' } } });
  });

  it('moves to another room when the name changes', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const { result, rerender } = renderHook(({ name }) => useRoom(name), { wrapper: inProvider(client), initialProps: { name: 'one' } });
    await tick();
    rerender({ name: 'two' });
    await tick();
    expect(gw.sent('rooms.join').map((f) => f.params?.room)).toEqual(['one', 'two']);
    expect(gw.sent('rooms.leave').map((f) => f.params?.room)).toEqual(['one']);
    expect(result.current.status).toBe('joined');
  });
});

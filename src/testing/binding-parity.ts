/**
 * One table of behaviours, run against both bindings (`src/react/parity.test.ts`,
 * `src/vue/parity.test.ts`). Each scenario is written once against `BindingAdapter`: the
 * adapter mounts a component using one hook/composable and shows what it returned as plain
 * values, so a scenario fails whenever that binding breaks the behaviour, whichever it is.
 *
 * How to extend: add an entry to `behaviours`; if it needs a hook the adapters do not know,
 * add it to `Inputs` and `Values` (both adapters then fail to typecheck until they handle it).
 */
import { expect, vi } from 'vitest';
import { RpcError, type Client, type ClientSnapshot, type NotificationEvent } from '../core/index.ts';
import type { CallStatus, RoomState } from '../observers/index.ts';
import type { harness } from './harness.ts';

/** What each hook/composable is called with. */
export interface Inputs {
  useConnectionState: [];
  /** Without params (undefined) the call is lazy. */
  useRpc: [method: string, params?: unknown];
  useNotification: [filter?: string, handler?: (n: NotificationEvent) => void];
  useRoom: [name: string];
}

/** What each returns, as plain values (Vue refs unwrapped). */
export interface Values {
  useConnectionState: ClientSnapshot;
  useRpc: {
    data: unknown;
    error: unknown;
    status: CallStatus;
    /** Lazy form only. */
    call?: (params?: unknown) => Promise<unknown>;
    mutate?: (params?: unknown) => void;
    /** Automatic form only. */
    refetch?: () => Promise<unknown>;
  };
  useNotification: NotificationEvent[];
  useRoom: Pick<RoomState, 'status' | 'members' | 'messages' | 'error'>;
}

export type HookName = keyof Inputs;

/** One mounted component using one hook. */
export interface Mounted<K extends HookName> {
  /** What the hook returned last, as plain values. */
  current(): Values[K];
  /** Change the inputs (React: render again with them; Vue: the composable's ref/getter changes) and let the binding react. */
  update(...inputs: Inputs[K]): Promise<void>;
  unmount(): Promise<void>;
}

export interface MountOptions {
  /** React: inside `<StrictMode>` (double render, double effects). Vue: no such thing, mounts normally. */
  strict?: boolean;
}

export interface BindingAdapter {
  /** Mount one component, below the binding's provider/plugin for `client`, calling `hook(...inputs)`. */
  mount<K extends HookName>(client: Client, hook: K, inputs: Inputs[K], options?: MountOptions): Mounted<K>;
  /** Move the fake clock by `ms` and let the binding render what happened. */
  tick(ms?: number): Promise<void>;
  /** Run `fn` (which changes state the components see) the way the binding wants it (React: in `act`). */
  act(fn: () => void): Promise<void>;
}

export interface ParityContext {
  /** The file's `harness()`: gateway and clients, closed after each test. */
  h: ReturnType<typeof harness>;
  binding: BindingAdapter;
}

export interface Behaviour {
  name: string;
  run(ctx: ParityContext): Promise<void>;
}

export const behaviours: Behaviour[] = [
  {
    name: 'useConnectionState goes to connected with the user',
    async run({ h, binding }) {
      const gw = h.gateway();
      const { client } = h.client({ url: gw.url, autoConnect: false });
      const view = binding.mount(client, 'useConnectionState', []);
      expect(view.current().state).toBe('idle');
      await binding.act(() => client.connect());
      expect(view.current().state).toBe('connecting');
      await binding.tick();
      expect(view.current()).toMatchObject({ state: 'connected', user: 'u1', attempt: 0, queued: 0 });
    },
  },
  {
    name: 'useRpc with params runs once and shows the data',
    async run({ h, binding }) {
      const gw = h.gateway();
      gw.method('orders.list', (p) => [{ page: p?.page }]);
      const { client } = h.client({ url: gw.url });
      const view = binding.mount(client, 'useRpc', ['orders.list', { page: 1 }]);
      expect(view.current().status).toBe('loading');
      await binding.tick();
      expect(gw.sent('orders.list')).toHaveLength(1);
      expect(view.current()).toMatchObject({ status: 'success', data: [{ page: 1 }], error: undefined });
      expect(view.current().refetch).toBeTypeOf('function');
    },
  },
  {
    name: 'useRpc does not run again for equal params (new object, keys reordered), does for different ones',
    async run({ h, binding }) {
      const gw = h.gateway();
      gw.method('orders.list', (p) => [{ page: p?.page }]);
      const { client } = h.client({ url: gw.url });
      const view = binding.mount(client, 'useRpc', ['orders.list', { page: 1, size: 10 }]);
      await binding.tick();
      expect(gw.sent('orders.list')).toHaveLength(1);
      await view.update('orders.list', { size: 10, page: 1 });
      await binding.tick();
      expect(gw.sent('orders.list')).toHaveLength(1);
      expect(view.current()).toMatchObject({ status: 'success', data: [{ page: 1 }] });
      await view.update('orders.list', { page: 2, size: 10 });
      await binding.tick();
      expect(gw.sent('orders.list').map((f) => f.params)).toEqual([
        { page: 1, size: 10 },
        { page: 2, size: 10 },
      ]);
      expect(view.current()).toMatchObject({ status: 'success', data: [{ page: 2 }] });
    },
  },
  {
    name: 'useRpc refetches after a reconnect',
    async run({ h, binding }) {
      const gw = h.gateway();
      let n = 0;
      gw.method('orders.count', () => ++n);
      const { client } = h.client({ url: gw.url, random: () => 0 });
      const view = binding.mount(client, 'useRpc', ['orders.count', {}]);
      await binding.tick();
      expect(view.current()).toMatchObject({ status: 'success', data: 1 });
      await binding.act(() => gw.closeAll(1011));
      await binding.tick();
      expect(gw.conns).toHaveLength(2);
      expect(client.getSnapshot().state).toBe('connected');
      expect(gw.sent('orders.count')).toHaveLength(2);
      expect(view.current()).toMatchObject({ status: 'success', data: 2 });
    },
  },
  {
    name: 'useRpc shows an invalid-params answer in error (-32602) and keeps the last data',
    async run({ h, binding }) {
      const gw = h.gateway();
      gw.method('orders.create', (p) => {
        if (typeof p?.qty !== 'number') throw { code: -32602, message: 'Invalid params' };
        return { id: 'o1', qty: p.qty };
      });
      const { client } = h.client({ url: gw.url });
      const view = binding.mount(client, 'useRpc', ['orders.create', { qty: 1 }]);
      await binding.tick();
      expect(view.current()).toMatchObject({ status: 'success', data: { id: 'o1', qty: 1 }, error: undefined });
      await view.update('orders.create', { qty: 'one' });
      await binding.tick();
      expect(gw.sent('orders.create')).toHaveLength(2);
      const { status, error, data } = view.current();
      expect(status).toBe('error');
      expect(error).toBeInstanceOf(RpcError);
      expect(error).toMatchObject({ code: -32602, message: 'Invalid params' });
      expect(data).toEqual({ id: 'o1', qty: 1 });
    },
  },
  {
    name: 'lazy useRpc runs only on call(params)',
    async run({ h, binding }) {
      const gw = h.gateway();
      gw.method('orders.create', (p) => ({ id: 'o1', ...p }));
      const { client } = h.client({ url: gw.url });
      const view = binding.mount(client, 'useRpc', ['orders.create']);
      await binding.tick();
      expect(gw.sent('orders.create')).toHaveLength(0);
      expect(view.current()).toMatchObject({ status: 'idle', data: undefined });
      const { call } = view.current();
      expect(call).toBeTypeOf('function');
      let created: Promise<unknown> | undefined;
      await binding.act(() => void (created = call!({ sku: 'a' })));
      expect(view.current().status).toBe('loading');
      await binding.tick();
      await expect(created).resolves.toEqual({ id: 'o1', sku: 'a' });
      expect(view.current()).toMatchObject({ status: 'success', data: { id: 'o1', sku: 'a' } });
      expect(gw.sent('orders.create').map((f) => f.params)).toEqual([{ sku: 'a' }]);
    },
  },
  {
    name: 'lazy useRpc mutate runs the call, returns nothing, never rejects, and shows the error in the state',
    async run({ h, binding }) {
      const gw = h.gateway();
      gw.method('orders.create', (p) => {
        if ((p as { qty: number }).qty > 100) throw { code: 409, message: 'Not enough stock' };
        return { id: 'o1', ...p };
      });
      const { client } = h.client({ url: gw.url });
      const view = binding.mount(client, 'useRpc', ['orders.create']);
      await binding.tick();
      const unhandled = vi.fn();
      process.on('unhandledRejection', unhandled);
      try {
        const { mutate } = view.current();
        let returned: unknown = 'not called';
        await binding.act(() => void (returned = mutate!({ qty: 500 })));
        expect(returned).toBeUndefined();
        await binding.tick();
        expect(view.current()).toMatchObject({ status: 'error', error: { code: 409, message: 'Not enough stock' } });
        await binding.act(() => view.current().mutate!({ qty: 1 }));
        await binding.tick();
        expect(view.current()).toMatchObject({ status: 'success', data: { id: 'o1', qty: 1 }, error: undefined });
        await binding.tick(10);
        expect(unhandled).not.toHaveBeenCalled();
      } finally {
        process.off('unhandledRejection', unhandled);
      }
    },
  },
  {
    name: 'useNotification keeps the notifications of its type, newest first, and calls the handler',
    async run({ h, binding }) {
      const gw = h.gateway();
      const { client } = h.client({ url: gw.url });
      await binding.tick();
      const handler = vi.fn();
      const view = binding.mount(client, 'useNotification', ['order', handler]);
      await binding.act(() => {
        gw.notify('u1', 'order', { id: 'a' });
        gw.notify('u1', 'chat');
        gw.notify('u1', 'order', { id: 'b' });
      });
      await binding.tick(0);
      expect(view.current().map((n) => [n.type, n.offset, n.data])).toEqual([
        ['order', 'fake:1-3', { id: 'b' }],
        ['order', 'fake:1-1', { id: 'a' }],
      ]);
      expect(handler).toHaveBeenCalledTimes(2);
      expect(handler.mock.calls.map(([n]) => (n as NotificationEvent).offset)).toEqual(['fake:1-1', 'fake:1-3']);
    },
  },
  {
    name: 'useRoom in two components joins once, shows members and messages, and leaves once after both unmount',
    async run({ h, binding }) {
      const gw = h.gateway();
      const { client } = h.client({ url: gw.url });
      await binding.tick();
      const a = binding.mount(client, 'useRoom', ['game']);
      const b = binding.mount(client, 'useRoom', ['game']);
      await binding.tick();
      expect(gw.sent('rooms.join')).toHaveLength(1);
      await binding.act(() => {
        gw.toRoom('game', 'move', { x: 1 });
        gw.toRoom('game', 'chat');
      });
      await binding.tick(0);
      for (const view of [a, b]) {
        const { status, members, messages } = view.current();
        expect({ status, members, events: messages.map((m) => m.event) }).toEqual({ status: 'joined', members: ['u1'], events: ['move', 'chat'] });
      }
      await a.unmount();
      await binding.tick();
      expect(gw.sent('rooms.leave')).toHaveLength(0);
      await b.unmount();
      await binding.tick();
      expect(gw.sent('rooms.leave')).toHaveLength(1);
      expect(gw.sent('rooms.join')).toHaveLength(1);
      expect(gw.members('game')).toHaveLength(0);
    },
  },
  {
    name: 'useRoom under StrictMode joins once and does not leave while mounted',
    async run({ h, binding }) {
      const gw = h.gateway();
      const { client } = h.client({ url: gw.url });
      await binding.tick();
      const view = binding.mount(client, 'useRoom', ['game'], { strict: true });
      await binding.tick();
      await binding.tick(100);
      expect(gw.sent('rooms.join')).toHaveLength(1);
      expect(gw.sent('rooms.leave')).toHaveLength(0);
      expect(gw.members('game')).toHaveLength(1);
      expect(view.current()).toMatchObject({ status: 'joined', members: ['u1'], messages: [] });
    },
  },
];

import * as v from 'valibot';
import * as z from 'zod/mini';
import { createElement } from 'react';
import { describe, expectTypeOf, it } from 'vitest';
import { createClient, defineContract, type Client } from '../core/index.ts';
import { createTetherHooks, TetherProvider, useRpc as useUntypedRpc, type CallStatus } from './index.ts';

const contract = defineContract({
  'orders.create': {
    params: z.object({ sku: z.string(), qty: z.number() }),
    result: z.object({ id: z.string(), total: z.number() }),
  },
  'orders.list': {
    params: v.object({ page: v.optional(v.number(), 1) }),
    result: v.array(v.object({ id: v.string() })),
  },
  ping: { params: z.undefined(), result: z.literal('pong') },
});

const { useRpc, useClient } = createTetherHooks<typeof contract>();

describe('TetherProvider', () => {
  it('takes a client typed by a contract, with no cast', () => {
    const client = createClient({ url: 'ws://x', token: 't', contract, autoConnect: false });
    createElement(TetherProvider, { client });
  });
});

describe('createTetherHooks', () => {
  it('infers params and result of an automatic call from the contract', () => {
    const list = useRpc('orders.list', { page: 2 });
    expectTypeOf(list.data).toEqualTypeOf<{ id: string }[] | undefined>();
    expectTypeOf(list.status).toEqualTypeOf<CallStatus>();
    expectTypeOf(list.refetch).returns.resolves.toEqualTypeOf<{ id: string }[]>();
    expectTypeOf(useRpc('orders.list', {}).data).toEqualTypeOf<{ id: string }[] | undefined>();
  });

  it('types the lazy form’s call from the contract', () => {
    const create = useRpc('orders.create');
    expectTypeOf(create.call).parameter(0).toEqualTypeOf<{ sku: string; qty: number }>();
    expectTypeOf(create.call).returns.resolves.toEqualTypeOf<{ id: string; total: number }>();
    expectTypeOf(create.mutate).toEqualTypeOf<(params: { sku: string; qty: number }) => void>();
    expectTypeOf(create.data).toEqualTypeOf<{ id: string; total: number } | undefined>();
    expectTypeOf(useRpc('orders.create', undefined, { timeoutMs: 5000 }).call).parameter(0).toEqualTypeOf<{ sku: string; qty: number }>();
  });

  it('makes the params of call optional for a method that takes none', () => {
    const ping = useRpc('ping');
    expectTypeOf(ping.call).toEqualTypeOf<(params?: undefined) => Promise<'pong'>>();
  });

  it('rejects wrong params and unknown methods at compile time', () => {
    // @ts-expect-error qty must be a number
    useRpc('orders.create', { sku: 'a', qty: '1' });
    // @ts-expect-error sku is missing
    useRpc('orders.create', { qty: 1 });
    // @ts-expect-error not in the contract
    useRpc('orders.delete', { id: 'o1' });
    const create = useRpc('orders.create');
    // @ts-expect-error call needs the params
    void create.call();
  });

  it('types useClient by the contract', () => {
    expectTypeOf(useClient()).toEqualTypeOf<Client<typeof contract>>();
    expectTypeOf(useClient().api.orders.create).returns.resolves.toEqualTypeOf<{ id: string; total: number }>();
  });
});

describe('untyped useRpc', () => {
  it('takes any method, with unknown params and result', () => {
    const echo = useUntypedRpc('system.echo', { x: 1 });
    expectTypeOf(echo.data).toEqualTypeOf<unknown>();
    expectTypeOf(echo.refetch).returns.resolves.toBeUnknown();
    const lazy = useUntypedRpc('anything');
    expectTypeOf(lazy.call).toEqualTypeOf<(params?: unknown) => Promise<unknown>>();
  });
});

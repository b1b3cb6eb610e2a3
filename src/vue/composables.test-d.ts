import { describe, expectTypeOf, it } from 'vitest';
import { computed, ref, type Ref, type ShallowRef } from 'vue';
import * as z from 'zod/mini';
import type { Client, ClientSnapshot, NotificationEvent } from '../core/index.ts';
import { defineContract } from '../core/index.ts';
import { createTetherComposables, useConnectionState, useNotification, useRoom, useRpc as untypedUseRpc } from './index.ts';

const contract = defineContract({
  'orders.create': {
    params: z.object({ sku: z.string(), qty: z.number() }),
    result: z.object({ id: z.string(), total: z.number() }),
  },
  'orders.list': {
    params: z.object({ page: z.optional(z.number()) }),
    result: z.array(z.object({ id: z.string() })),
  },
  ping: { params: z.undefined(), result: z.literal('pong') },
});
type Order = { id: string; total: number };

const { useRpc, useClient } = createTetherComposables<typeof contract>();

describe('createTetherComposables', () => {
  it('infers params and result of a kept-up-to-date call', () => {
    const r = useRpc('orders.create', { sku: 'a', qty: 1 });
    expectTypeOf(r.data).toEqualTypeOf<Readonly<Ref<Order | undefined>>>();
    expectTypeOf(r.error).toEqualTypeOf<Readonly<Ref<unknown>>>();
    expectTypeOf(r.status.value).toEqualTypeOf<'idle' | 'loading' | 'success' | 'error'>();
    expectTypeOf(r.refetch).returns.resolves.toEqualTypeOf<Order>();
    expectTypeOf(r).not.toHaveProperty('call');
  });

  it('takes params as a ref, a computed or a getter, which may hold the call back with undefined', () => {
    expectTypeOf(useRpc('orders.list', ref({ page: 2 })).data.value).toEqualTypeOf<{ id: string }[] | undefined>();
    expectTypeOf(useRpc('orders.list', computed(() => ({ page: 2 })))).toHaveProperty('refetch');
    const sku = ref<string>();
    expectTypeOf(useRpc('orders.create', () => (sku.value ? { sku: sku.value, qty: 1 } : undefined))).toHaveProperty('refetch');
  });

  it('types the lazy form by its method', () => {
    const r = useRpc('orders.create');
    expectTypeOf(r.call).parameter(0).toEqualTypeOf<{ sku: string; qty: number }>();
    expectTypeOf(r.call).returns.resolves.toEqualTypeOf<Order>();
    expectTypeOf(r.mutate).toEqualTypeOf<(params: { sku: string; qty: number }) => void>();
    expectTypeOf(r.data.value).toEqualTypeOf<Order | undefined>();
    expectTypeOf(r).not.toHaveProperty('refetch');
    expectTypeOf(useRpc('ping').call()).resolves.toEqualTypeOf<'pong'>(); // params that may be undefined may be left out
  });

  it('rejects wrong params and unknown methods', () => {
    // @ts-expect-error qty must be a number
    useRpc('orders.create', { sku: 'a', qty: '1' });
    // @ts-expect-error qty is missing
    useRpc('orders.create', ref({ sku: 'a' }));
    // @ts-expect-error no such method
    useRpc('orders.delete', { id: 'o1' });
    // @ts-expect-error the lazy call checks its params too
    void useRpc('orders.create').call({ sku: 'a' });
  });

  it('types the client by the contract, and the composables that need no contract', () => {
    expectTypeOf(useClient()).toEqualTypeOf<Client<typeof contract>>();
    expectTypeOf(useClient().api.orders.create).returns.resolves.toEqualTypeOf<Order>();
    expectTypeOf(useConnectionState()).toEqualTypeOf<Readonly<ShallowRef<ClientSnapshot>>>();
    expectTypeOf(useNotification('order', (n) => expectTypeOf(n).toEqualTypeOf<NotificationEvent>()).value).toEqualTypeOf<NotificationEvent[]>();
    expectTypeOf(useRoom(() => 'game').members.value).toEqualTypeOf<string[]>();
  });
});

describe('useRpc without a contract', () => {
  it('takes the result type as a type argument and any params', () => {
    expectTypeOf(untypedUseRpc<number>('count', { a: 1 }).data.value).toEqualTypeOf<number | undefined>();
    expectTypeOf(untypedUseRpc('anything').call).parameter(0).toBeUnknown();
  });
});

import * as v from 'valibot';
import * as z from 'zod/mini';
import { describe, expectTypeOf, it } from 'vitest';
import { createClient } from './client.ts';
import { defineContract, type Api, type InputOf, type OutputOf } from './contract.ts';

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

const client = createClient({ url: 'ws://x', token: 't', contract, autoConnect: false });

describe('contract types', () => {
  it('infers params and results through client.api', () => {
    expectTypeOf(client.api.orders.create).parameter(0).toEqualTypeOf<{ sku: string; qty: number }>();
    expectTypeOf(client.api.orders.create).returns.resolves.toEqualTypeOf<{ id: string; total: number }>();
    expectTypeOf(client.api.orders.list).parameter(0).toEqualTypeOf<{ page?: number | undefined }>();
    expectTypeOf(client.api.orders.list).returns.resolves.toEqualTypeOf<{ id: string }[]>();
    expectTypeOf(client.api.ping).returns.resolves.toEqualTypeOf<'pong'>();
  });

  it('rejects wrong params and unknown methods at compile time', () => {
    // @ts-expect-error qty must be a number
    void client.api.orders.create({ sku: 'a', qty: '1' });
    // @ts-expect-error no such method
    void client.api.orders.delete;
  });

  it('types client.call for contract methods and leaves other names unknown', () => {
    expectTypeOf(client.call('orders.create', { sku: 'a', qty: 1 })).resolves.toEqualTypeOf<{ id: string; total: number }>();
    expectTypeOf(client.call('system.echo', { x: 1 })).resolves.toBeUnknown();
  });

  it('takes the input type for params and the output type for results', () => {
    const s = z.pipe(z.string(), z.transform((x) => x.length));
    expectTypeOf<InputOf<typeof s>>().toEqualTypeOf<string>();
    expectTypeOf<OutputOf<typeof s>>().toEqualTypeOf<number>();
  });
});

describe('methods without params', () => {
  it('may be called with nothing when their params may be undefined', () => {
    const c = defineContract({
      'system.ping': { params: z.undefined(), result: z.literal('pong') },
      'orders.list': { params: z.optional(z.object({ page: z.number() })), result: z.array(z.string()) },
      'orders.get': { params: z.object({ id: z.string() }), result: z.string() },
    });
    const api = {} as Api<typeof c>;
    expectTypeOf(api.system.ping()).resolves.toEqualTypeOf<'pong'>();
    expectTypeOf(api.orders.list()).resolves.toEqualTypeOf<string[]>();
    expectTypeOf(api.orders.list({ page: 2 })).resolves.toEqualTypeOf<string[]>();
    // @ts-expect-error required params stay required
    void api.orders.get();
  });
});

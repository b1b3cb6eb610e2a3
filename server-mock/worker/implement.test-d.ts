/**
 * `implement` is typed from the contract: handlers get the params the schemas output and must
 * return what the result schemas accept; a missing or an extra handler is a type error.
 */
import * as v from 'valibot';
import { defineContract } from 'tether-rpc/protocol';
import * as z from 'zod/mini';
import { expectTypeOf, it } from 'vitest';
import { implement } from './implement.ts';

const contract = defineContract({
  'orders.create': {
    params: z.object({ sku: z.string(), qty: z.number() }),
    result: z.object({ id: z.string(), total: z.number() }),
  },
  'orders.count': { params: v.object({ user: v.string() }), result: v.number() },
});

it('types each handler from its method schemas', () => {
  implement(contract, {
    'orders.create': async ({ sku, qty }, ctx) => {
      expectTypeOf(sku).toEqualTypeOf<string>();
      expectTypeOf(qty).toEqualTypeOf<number>();
      expectTypeOf(ctx.callId).toEqualTypeOf<string>();
      return { id: sku, total: qty };
    },
    'orders.count': ({ user }) => user.length,
  });
});

it('refuses a missing handler', () => {
  // @ts-expect-error orders.count has no handler
  implement(contract, { 'orders.create': () => ({ id: 'a', total: 1 }) });
});

it('refuses a handler the contract does not list', () => {
  implement(contract, {
    'orders.create': () => ({ id: 'a', total: 1 }),
    'orders.count': () => 1,
    // @ts-expect-error orders.delete is not in the contract
    'orders.delete': () => true,
  });
});

it('refuses a result of the wrong type', () => {
  implement(contract, {
    // @ts-expect-error total must be a number
    'orders.create': () => ({ id: 'a', total: 'ten' }),
    'orders.count': () => 1,
  });
});

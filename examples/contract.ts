/**
 * The demo's methods as a contract the browser shares with its workers: params and results
 * typed and validated on both sides. `zod/mini` keeps the browser bundle small.
 */
import * as z from 'zod/mini';
import { defineContract } from 'tether-rpc';

const Order = z.object({ id: z.string(), sku: z.string(), qty: z.number(), total: z.number(), user: z.string() });

export const contract = defineContract({
  'orders.list': { params: z.optional(z.object({})), result: z.array(Order) },
  'orders.create': { params: z.object({ sku: z.string().check(z.minLength(1)), qty: z.number() }), result: Order },
});

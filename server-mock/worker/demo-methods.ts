/**
 * The demo's methods, used by the demo pages, the e2e tests and the benchmarks: orders kept
 * in memory, task stats, a method that fails on purpose, one that crashes, and a slow one.
 * `orders.create` counts its runs so tests can prove a resent call ran once, and keys the
 * order on `ctx.callId`, as the README advises for side effects.
 */
import * as z from 'zod';
import { RpcError } from '../../src/protocol/rpc-error.ts';
import { defineMethod } from './define.ts';

const Order = z.object({ id: z.string(), sku: z.string(), qty: z.number().int(), total: z.number(), user: z.string() });

export function demoMethods() {
  const orders = new Map<string, z.infer<typeof Order>>();
  const byCall = new Map<string, string>();
  let runs = 0;

  return [
    defineMethod(
      'orders.create',
      {
        description: 'Create an order; notifies the caller when it ships.',
        params: z.object({
          sku: z.string().min(1),
          qty: z.number().int().positive().max(100),
          /** Take this long first: lets tests cut connections while the call runs. */
          delayMs: z.number().int().min(0).max(10_000).optional(),
        }),
        result: Order,
      },
      async ({ sku, qty, delayMs }, ctx) => {
        runs++;
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
        // A key no (user, call id) pair can share with another: "acme" + "alice:c1" is not "acme:alice" + "c1".
        const key = JSON.stringify([ctx.user, ctx.callId]);
        const existing = byCall.get(key);
        if (existing) return orders.get(existing)!;
        const order = { id: `o${orders.size + 1}`, sku, qty, total: qty * 9.5, user: ctx.user };
        orders.set(order.id, order);
        byCall.set(key, order.id);
        await ctx.notify(ctx.user, 'order.created', order, `Order ${order.id} created`);
        return order;
      },
    ),
    defineMethod(
      'orders.list',
      { description: "The caller's orders.", params: z.object({}).optional(), result: z.array(Order) },
      (_params, ctx) => [...orders.values()].filter((o) => o.user === ctx.user),
    ),
    defineMethod(
      'orders.get',
      { params: z.object({ id: z.string() }), result: Order },
      ({ id }, ctx) => {
        const order = orders.get(id);
        if (!order || order.user !== ctx.user) throw new RpcError(404, 'Order not found', { id });
        return order;
      },
    ),
    defineMethod(
      'orders.runs',
      { description: 'How many times orders.create ran in this worker (tests use it).', params: z.object({}).optional(), result: z.object({ runs: z.number() }) },
      () => ({ runs }),
    ),
    defineMethod(
      'demo.where',
      { description: 'Which worker and gateway served the call.', params: z.object({}).optional(), result: z.object({ worker: z.string(), gateway: z.string() }) },
      (_params, ctx) => ({ worker: ctx.worker, gateway: ctx.gateway }),
    ),
    defineMethod(
      'tasks.get_stats',
      {
        params: z.object({ include_completed: z.boolean().default(true) }).optional(),
        result: z.object({ total: z.number(), completed: z.number(), pending: z.number() }),
      },
      (params) => ({ total: 12, completed: params?.include_completed === false ? 0 : 7, pending: 5 }),
    ),
    defineMethod(
      'demo.fail',
      { description: 'Always fails with an application error.', params: z.object({}).optional(), result: z.never() },
      () => {
        throw new RpcError(422, 'This method fails on purpose', { hint: 'try orders.create' });
      },
    ),
    defineMethod(
      'demo.crash',
      { description: 'Throws an unexpected exception (becomes -32603).', params: z.object({}).optional(), result: z.never() },
      () => {
        throw new Error('Something broke in the handler');
      },
    ),
    defineMethod(
      'demo.slow',
      { description: 'Answers after `ms` milliseconds.', params: z.object({ ms: z.number().int().min(0).max(60_000) }), result: z.object({ waited: z.number() }) },
      ({ ms }, ctx) =>
        new Promise((resolve, reject) => {
          const t = setTimeout(() => resolve({ waited: ms }), ms);
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(t);
            reject(new RpcError(-32003, 'Deadline passed'));
          });
        }),
    ),
  ];
}

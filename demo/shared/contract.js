/**
 * The demo's API, described once: the worker implements this very object
 * (`implement(contract, …)` in demo/methods.ts), and the React, Vue and plain pages give it to
 * `createClient`, so params are checked before they are sent and results when they arrive,
 * with the same schemas on both sides. `zod/mini` keeps the pages' bundles small.
 */
import { defineContract } from 'tether-rpc';
import * as z from 'zod/mini';
export const Order = z.object({ id: z.string(), sku: z.string(), qty: z.int(), total: z.number(), user: z.string() });
const nothing = z.optional(z.object({}));
export const contract = defineContract({
    'orders.create': {
        description: 'Create an order; notifies the caller when it is created.',
        params: z.object({
            sku: z.string().check(z.minLength(1)),
            qty: z.int().check(z.positive(), z.lte(100)),
            /** Take this long first: lets tests cut connections while the call runs. */
            delayMs: z.optional(z.int().check(z.gte(0), z.lte(10_000))),
        }),
        result: Order,
    },
    'orders.list': { description: "The caller's orders.", params: nothing, result: z.array(Order) },
    'orders.get': { description: 'One of the caller’s orders.', params: z.object({ id: z.string() }), result: Order },
    'orders.runs': { description: 'How many times orders.create ran in this worker (tests use it).', params: nothing, result: z.object({ runs: z.number() }) },
    'demo.where': { description: 'Which worker and gateway served the call.', params: nothing, result: z.object({ worker: z.string(), gateway: z.string() }) },
    'tasks.get_stats': {
        description: 'Counts of tasks.',
        params: z.optional(z.object({ include_completed: z._default(z.boolean(), true) })),
        result: z.object({ total: z.number(), completed: z.number(), pending: z.number() }),
    },
    'demo.fail': { description: 'Always fails with an application error.', params: nothing, result: z.never() },
    'demo.crash': { description: 'Throws an unexpected exception (becomes -32603).', params: nothing, result: z.never() },
    'demo.slow': { description: 'Answers after `ms` milliseconds.', params: z.object({ ms: z.int().check(z.gte(0), z.lte(60_000)) }), result: z.object({ waited: z.number() }) },
});
//# sourceMappingURL=contract.js.map
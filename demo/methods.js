/**
 * The demo's worker: the handlers of demo/shared/contract.ts, the contract the demo pages
 * import. Orders are kept in memory; `orders.create` counts its runs so tests can prove a
 * resent call ran once, and keys the order on `ctx.callId`, as the README advises for side
 * effects. Run it with `tether-dev --worker demo/methods.ts` (what `npm start` does) or, on
 * Redis, `tether-worker --worker demo/methods.ts`.
 */
import { implement, RpcError } from 'tether-rpc-server';
import { contract } from "./shared/contract.js";
/** Fresh methods with state of their own (tests run several workers in one process). */
export function demoMethods() {
    const orders = new Map();
    const byCall = new Map();
    let runs = 0;
    return implement(contract, {
        'orders.create': async ({ sku, qty, delayMs }, ctx) => {
            runs++;
            if (delayMs)
                await new Promise((r) => setTimeout(r, delayMs));
            // A key no (user, call id) pair can share with another: "acme" + "alice:c1" is not "acme:alice" + "c1".
            const key = JSON.stringify([ctx.user, ctx.callId]);
            const existing = byCall.get(key);
            if (existing)
                return orders.get(existing);
            const order = { id: `o${orders.size + 1}`, sku, qty, total: qty * 9.5, user: ctx.user };
            orders.set(order.id, order);
            byCall.set(key, order.id);
            await ctx.notify(ctx.user, 'order.created', order, `Order ${order.id} created`);
            return order;
        },
        'orders.list': (_params, ctx) => [...orders.values()].filter((o) => o.user === ctx.user),
        'orders.get': ({ id }, ctx) => {
            const order = orders.get(id);
            if (!order || order.user !== ctx.user)
                throw new RpcError(404, 'Order not found', { id });
            return order;
        },
        'orders.runs': () => ({ runs }),
        'demo.where': (_params, ctx) => ({ worker: ctx.worker, gateway: ctx.gateway }),
        'tasks.get_stats': (params) => ({ total: 12, completed: params?.include_completed === false ? 0 : 7, pending: 5 }),
        'demo.fail': () => {
            throw new RpcError(422, 'This method fails on purpose', { hint: 'try orders.create' });
        },
        'demo.crash': () => {
            throw new Error('Something broke in the handler');
        },
        'demo.slow': ({ ms }, ctx) => new Promise((resolve, reject) => {
            const t = setTimeout(() => resolve({ waited: ms }), ms);
            ctx.signal.addEventListener('abort', () => {
                clearTimeout(t);
                reject(new RpcError(-32003, 'Deadline passed'));
            });
        }),
    });
}
/** What `--worker demo/methods.ts` loads. */
export const methods = demoMethods();
//# sourceMappingURL=methods.js.map
/**
 * A generated contract types `client.api` from the worker's models: the Python example's
 * (examples/shop.contract.ts) and the Node demo's (demo.contract.ts). Nothing is `any`.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { Api } from 'tether-rpc';
import { contract as shop, type Address, type Order, type Priority } from '../python/examples/shop.contract.ts';
import { contract as demo } from './demo.contract.ts';

declare const api: Api<typeof shop>;
declare const demoApi: Api<typeof demo>;

describe('generated contracts', () => {
  it("type the Python models' params and results", () => {
    expectTypeOf(api.orders.create).parameter(0).toEqualTypeOf<{
      sku: string;
      qty: number;
      priority?: Priority & string;
      ship_to?: Address;
      gift_note?: string;
      delay_ms?: number;
    }>();
    expectTypeOf(api.orders.create).returns.resolves.toEqualTypeOf<Order>();
    expectTypeOf<Order['priority']>().toEqualTypeOf<'normal' | 'express'>();
    expectTypeOf(api.stock.get).returns.resolves.toEqualTypeOf<{ sku: string; available: number | string }>();
    expectTypeOf(api.orders.list).returns.resolves.toEqualTypeOf<Order[]>();
    expectTypeOf(api.orders.create).returns.resolves.not.toBeAny();
    // @ts-expect-error qty is a number
    void api.orders.create({ sku: 'A1', qty: 'two' });
    // @ts-expect-error no such priority
    void api.orders.create({ sku: 'A1', qty: 2, priority: 'later' });
    // Nothing required: undefined will do.
    void api.orders.list(undefined);
  });

  it("type the Node demo's methods", () => {
    expectTypeOf(demoApi.orders.get).returns.resolves.toEqualTypeOf<{ id: string; sku: string; qty: number; total: number; user: string }>();
    // @ts-expect-error id is required
    void demoApi.orders.get({});
  });
});

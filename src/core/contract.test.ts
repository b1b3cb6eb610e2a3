import * as v from 'valibot';
import * as z from 'zod/mini';
import { describe, expect, it } from 'vitest';
import { advance, harness } from '../testing/harness.ts';
import { defineContract } from './contract.ts';
import { RpcError } from './errors.ts';

const h = harness();

const contract = defineContract({
  'orders.create': {
    params: z.object({ sku: z.string(), qty: z.number().check(z.positive()) }),
    result: z.object({ id: z.string(), total: z.number() }),
  },
  'orders.list': {
    params: v.object({ page: v.optional(v.number(), 1) }),
    result: v.array(v.object({ id: v.string() })),
  },
  'tasks.get_stats': {
    params: z.object({}),
    result: z.object({ done: z.number() }),
  },
});

describe('typed contract', () => {
  it('calls contract methods through client.api with nested names', async () => {
    const gw = h.gateway();
    gw.method('orders.create', (p) => ({ id: 'o1', total: Number(p?.qty) * 10 }));
    gw.method('tasks.get_stats', () => ({ done: 3 }));
    const { client } = h.client({ url: gw.url, contract });
    await advance(10);
    const created = client.api.orders.create({ sku: 'a', qty: 2 });
    const stats = client.api.tasks.get_stats({});
    await advance(0);
    await expect(created).resolves.toEqual({ id: 'o1', total: 20 });
    await expect(stats).resolves.toEqual({ done: 3 });
  });

  it('rejects invalid params with -32602 and field paths, without sending anything', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url, contract });
    await advance(10);
    const error = await client.api.orders.create({ sku: 'a', qty: -1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({ code: -32602, data: { issues: [{ path: ['qty'] }] } });
    expect(gw.sent('orders.create')).toHaveLength(0);
  });

  it('rejects a result that does not match the schema', async () => {
    const gw = h.gateway();
    gw.method('orders.create', () => ({ id: 42 }));
    const { client } = h.client({ url: gw.url, contract });
    await advance(10);
    const r = client.api.orders.create({ sku: 'a', qty: 1 }).catch((e: unknown) => e);
    await advance(0);
    expect(await r).toMatchObject({ code: -32603, message: 'Invalid result', data: { issues: expect.any(Array) } });
  });

  it('works with valibot schemas too, sending their output (defaults applied)', async () => {
    const gw = h.gateway();
    gw.method('orders.list', (p) => [{ id: `page-${p?.page}` }]);
    const { client } = h.client({ url: gw.url, contract });
    await advance(10);
    const r = client.api.orders.list({});
    await advance(0);
    await expect(r).resolves.toEqual([{ id: 'page-1' }]);
  });

  it('types and validates client.call on contract methods as well', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url, contract });
    await advance(10);
    await expect(client.call('orders.create', { sku: 'a', qty: 0 })).rejects.toMatchObject({ code: -32602 });
  });

  it('is not thenable, so awaiting the api object is harmless', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url, contract });
    expect((client.api as unknown as { then?: unknown }).then).toBeUndefined();
    expect((client.api.orders as unknown as { then?: unknown }).then).toBeUndefined();
  });
});

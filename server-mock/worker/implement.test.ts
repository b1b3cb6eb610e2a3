import pino from 'pino';
import * as v from 'valibot';
import { defineContract } from 'tether-rpc/protocol';
import * as z from 'zod/mini';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallReply } from '../broker/broker.ts';
import { createMemoryBroker } from '../broker/memory.ts';
import { until } from '../testing/system.ts';
import { implement } from './implement.ts';
import { createWorker, describeMethods } from './worker.ts';

const contract = defineContract({
  'orders.create': {
    description: 'Create an order.',
    params: z.object({ sku: z.string(), qty: z.number().check(z.int(), z.positive()) }),
    result: z.object({ id: z.string(), total: z.number() }),
  },
  'orders.count': { params: v.object({ user: v.string() }), result: v.number() },
});

const broker = createMemoryBroker({ prefix: 'implement-test:' });
const replies: CallReply[] = [];
broker.replies('gw', (r) => replies.push(r));
let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  replies.length = 0;
});

async function call(method: string, params?: unknown) {
  const id = `${method}-${Math.random()}`;
  await broker.enqueue({ id, method, params, user: 'alice', conn: 'c1', gateway: 'gw', replyTo: 'gw', deadline: Date.now() + 5000 });
  await until(() => replies.some((r) => r.id === id));
  return replies.find((r) => r.id === id)!;
}

describe('implement', () => {
  it('runs the contract methods, validating params and results with the contract schemas of any library', async () => {
    const methods = implement(contract, {
      'orders.create': ({ sku, qty }) => ({ id: sku, total: qty * 10 }),
      'orders.count': ({ user }) => user.length,
    });
    stop = createWorker({ broker, methods, logger: pino({ level: 'silent' }) }).stop;
    expect(await call('orders.create', { sku: 'A-1', qty: 2 })).toMatchObject({ result: { id: 'A-1', total: 20 } });
    expect((await call('orders.create', { sku: 'A-1', qty: 1.5 })).error).toMatchObject({ code: -32602, data: { issues: [{ path: ['qty'] }] } });
    expect(await call('orders.count', { user: 'alice' })).toMatchObject({ result: 5 });
    expect((await call('orders.count', { user: 7 })).error).toMatchObject({ code: -32602, data: { issues: [{ path: ['user'] }] } });
  });

  it('refuses, at run time too, a missing handler and one the contract does not list', () => {
    const loose = implement as (c: unknown, h: Record<string, unknown>) => unknown;
    expect(() => loose(contract, { 'orders.create': () => ({}) })).toThrow(/no handler for orders.count/);
    expect(() => loose(contract, { 'orders.create': () => ({}), 'orders.count': () => 1, extra: () => 1 })).toThrow(/extra is not in the contract/);
  });

  it('describes each method with JSON Schema where its library gives one, and says plainly where not', () => {
    const d = describeMethods(implement(contract, { 'orders.create': () => ({ id: '', total: 0 }), 'orders.count': () => 0 })) as Record<
      string,
      { description?: string; params: Record<string, unknown>; result: Record<string, unknown> }
    >;
    expect(d['orders.create']).toMatchObject({
      description: 'Create an order.',
      params: { type: 'object', properties: { sku: { type: 'string' }, qty: { type: 'integer' } } },
      result: { type: 'object', required: ['id', 'total'] },
    });
    expect(d['orders.count']!.params).toEqual({ description: expect.stringMatching(/No JSON Schema: valibot/) });
  });
});

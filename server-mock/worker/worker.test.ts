import pino from 'pino';
import * as z from 'zod';
import * as zm from 'zod/mini';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallReply } from '../broker/broker.ts';
import { createMemoryBroker } from '../broker/memory.ts';
import { allEvents } from '../broker/contract.ts';
import { until } from '../testing/system.ts';
import { defineMethod, RpcError } from './index.ts';
import { createWorker, describeMethods } from './worker.ts';

const broker = createMemoryBroker({ prefix: 'worker-test:' });
const replies: CallReply[] = [];
broker.replies('gw', (r) => replies.push(r));
let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  replies.length = 0;
});

const methods = [
  defineMethod('sum', { params: z.object({ a: z.number(), b: z.number() }), result: z.number() }, ({ a, b }) => a + b),
  defineMethod('who', { params: z.undefined(), result: z.object({ user: z.string(), callId: z.string(), worker: z.string() }) }, (_p, ctx) => ({
    user: ctx.user,
    callId: ctx.callId,
    worker: ctx.worker,
  })),
  defineMethod('refuse', { params: z.object({}).optional(), result: z.never() }, () => {
    throw new RpcError(404, 'Order not found', { id: 7 });
  }),
  defineMethod('crash', { params: z.object({}).optional(), result: z.never() }, () => {
    throw new TypeError('cannot read x of undefined');
  }),
  defineMethod('lies', { params: z.object({}).optional(), result: z.object({ id: z.string() }) }, () => ({ id: 42 }) as unknown as { id: string }),
  defineMethod('mini', { params: zm.object({ n: zm.number() }), result: zm.number() }, ({ n }) => n * 2),
  defineMethod('push', { params: z.object({}).optional(), result: z.null() }, async (_p, ctx) => {
    await ctx.notify('bob', 'ping', { from: ctx.user });
    return null;
  }),
];

async function call(method: string, params?: unknown) {
  const id = `${method}-${Math.random()}`;
  await broker.enqueue({ id, method, params, user: 'alice', conn: 'c1', gateway: 'gw', replyTo: 'gw', deadline: Date.now() + 5000 });
  await until(() => replies.some((r) => r.id === id));
  return replies.find((r) => r.id === id)!;
}

describe('createWorker', () => {
  it('runs methods with validated params, and gives the handler its caller and call id', async () => {
    stop = createWorker({ broker, methods, name: 'w-test', logger: pino({ level: 'silent' }) }).stop;
    expect(await call('sum', { a: 2, b: 3 })).toMatchObject({ result: 5 });
    const who = await call('who');
    expect(who.result).toEqual({ user: 'alice', callId: who.id, worker: 'w-test' });
    expect(await call('mini', { n: 21 })).toMatchObject({ result: 42 });
  });

  it('answers each failure with its code: invalid params with paths, RpcError as is, crashes without a stack', async () => {
    stop = createWorker({ broker, methods, logger: pino({ level: 'silent' }) }).stop;
    expect((await call('sum', { a: 'x' })).error).toEqual({
      code: -32602,
      message: 'Invalid params',
      data: { issues: [expect.objectContaining({ path: ['a'] }), expect.objectContaining({ path: ['b'] })] },
    });
    expect((await call('refuse')).error).toEqual({ code: 404, message: 'Order not found', data: { id: 7 } });
    const crash = (await call('crash')).error!;
    expect(crash).toEqual({ code: -32603, message: 'cannot read x of undefined' });
    expect((await call('lies')).error).toMatchObject({ code: -32603, message: 'Invalid result' });
  });

  it('lets handlers notify users', async () => {
    stop = createWorker({ broker, methods, logger: pino({ level: 'silent' }) }).stop;
    await call('push');
    expect(await allEvents(broker, { kind: 'user', user: 'bob' })).toMatchObject([{ type: 'ping', data: { from: 'alice' } }]);
  });

  it('refuses two methods with one name', () => {
    expect(() => createWorker({ broker, methods: [methods[0]!, methods[0]!] })).toThrow(/share a name/);
  });

  it('describes every method as JSON Schema', () => {
    const d = describeMethods(methods) as Record<string, { params: { type?: string; properties?: object } }>;
    expect(d.sum!.params).toMatchObject({ type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } });
    expect(Object.keys(d)).toContain('mini');
  });
});

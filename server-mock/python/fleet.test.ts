/**
 * Across the language line, on a real Redis, with real processes: the Node gateway, Node
 * workers (`tether-worker`) and Python workers (`python -m tether_worker`) on the same method
 * streams, and real clients. A worker SIGKILLed mid-call has its call finished by a worker in
 * the other language; a resend during a call is answered once; a call whose deadline passed
 * in the queue is skipped; a call that kills every worker that takes it is dead-lettered;
 * SIGTERM lets the Python worker finish its call; `system.describe` lists the Python methods.
 */
import { nanoid } from 'nanoid';
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';
import { afterAll, afterEach, expect, it } from 'vitest';
import { createClient, type Client } from '../../src/core/client.ts';
import { signDevToken } from '../gateway/auth.ts';
import { freePort, runCli, stopAll } from '../testing/processes.ts';
import { describeWithRedis, redisUrl } from '../testing/redis.ts';
import { until } from '../testing/system.ts';
import { describeWithPython, runPythonWorker } from './testing.ts';

const SECRET = 'fleet-test-secret-fleet-test-secret-fleet';
const CLAIM_IDLE_MS = '600';

await describeWithRedis('mixed fleet on Redis', () => {
  describeWithPython('Node and Python workers on the same streams', () => {
    let prefix = '';
    const clients: Client[] = [];
    const redis = new Redis(redisUrl);

    const gateway = async (extra: Record<string, string> = {}) => {
      const port = await freePort();
      await runCli('gateway', { REDIS_URL: redisUrl, PREFIX: prefix, JWT_SECRET: SECRET, PORT: String(port), HEARTBEAT_MS: '1000', ...extra });
      return `ws://127.0.0.1:${port}`;
    };
    const settings = (name: string, extra: Record<string, string> = {}) => ({ REDIS_URL: redisUrl, PREFIX: prefix, WORKER_NAME: name, CLAIM_IDLE_MS, ...extra });
    const nodeWorker = (name: string, extra: Record<string, string> = {}) => runCli('worker', { ...settings(name, extra), WORKER_MODULE: 'server-mock/python/fleet-methods.ts' });
    const pythonWorker = (name: string, extra: Record<string, string> = {}) => runPythonWorker('tests.fleet_worker', settings(name, extra));
    const client = async (url: string, user = 'alice') => {
      const c = createClient({ url, token: () => signDevToken(SECRET, user, 600), WebSocket, random: () => 0 });
      clients.push(c);
      await until(() => c.getSnapshot().state === 'connected', 8000);
      return c;
    };
    /** The workers that ran call `id`, in order. */
    const ranBy = (id: string) => redis.lrange(`${prefix}fleet:by:${id}`, 0, -1);
    const startedOn = (id: string, n: number) => until(async () => (await ranBy(id)).length >= n, 10_000);

    afterEach(async () => {
      for (const c of clients.splice(0)) c.close();
      await stopAll();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
    });
    afterAll(async () => {
      await stopAll();
      redis.disconnect();
    });
    const fresh = () => (prefix = `tether-fleet:${nanoid(6)}:`);

    it('lists the Python methods with their JSON Schemas in system.describe', async () => {
      fresh();
      const url = await gateway();
      await pythonWorker('py-describe');
      const c = await client(url);
      const { methods } = (await c.call('system.describe')) as { methods: Record<string, { params: { properties: object }; result: object }> };
      expect(methods['fleet.work']!.params.properties).toHaveProperty('ms');
      expect(methods['fleet.work']!.result).toMatchObject({ title: 'Done', required: ['by', 'worker'] });
      const error = await c.call('fleet.work', { ms: -1 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: -32602, data: { issues: [{ path: ['ms'], message: expect.any(String) }] } });
    }, 30_000);

    it('a Python worker SIGKILLed mid-call has its call finished by a Node worker', async () => {
      fresh();
      const url = await gateway();
      const py = await pythonWorker('py-doomed');
      const c = await client(url);
      const id = nanoid();
      const answer = c.call('fleet.work', { ms: 1500 }, { id, timeoutMs: 20_000 });
      await startedOn(id, 1);
      py.kill('SIGKILL');
      await nodeWorker('node-rescuer');
      expect(await answer).toEqual({ by: 'node', worker: 'node-rescuer' });
      expect(await ranBy(id)).toEqual(['py-doomed', 'node-rescuer']);
    }, 40_000);

    it('a Node worker SIGKILLed mid-call has its call finished by a Python worker', async () => {
      fresh();
      const url = await gateway();
      const node = await nodeWorker('node-doomed');
      const c = await client(url);
      const id = nanoid();
      const answer = c.call('fleet.work', { ms: 1500 }, { id, timeoutMs: 20_000 });
      await startedOn(id, 1);
      node.kill('SIGKILL');
      await pythonWorker('py-rescuer');
      expect(await answer).toEqual({ by: 'python', worker: 'py-rescuer' });
      expect(await ranBy(id)).toEqual(['node-doomed', 'py-rescuer']);
    }, 40_000);

    it('answers a resend during a Python call once, on another gateway, without running it again', async () => {
      fresh();
      const [url1, url2] = await Promise.all([gateway(), gateway()]);
      await Promise.all([pythonWorker('py-a'), nodeWorker('node-b')]);
      const a = await client(url1);
      const b = await client(url2); // the same user, in another tab, resending the same call
      const id = nanoid();
      const first = a.call('fleet.work', { ms: 1000 }, { id, timeoutMs: 20_000 });
      await startedOn(id, 1);
      const resent = b.call('fleet.work', { ms: 1000 }, { id, timeoutMs: 20_000 });
      const [r1, r2] = await Promise.all([first, resent]);
      expect(r2).toEqual(r1);
      await new Promise((r) => setTimeout(r, 300));
      expect(await ranBy(id)).toHaveLength(1);
    }, 40_000);

    it('skips a call whose deadline passed while it waited, answering -32003, without running it', async () => {
      fresh();
      // The gateway gives every call 500 ms; the one worker is busy for longer with the first.
      const url = await gateway({ CALL_TIMEOUT_MS: '500' });
      await pythonWorker('py-busy', { CONCURRENCY: '1' });
      const c = await client(url);
      const busyId = nanoid();
      const busy = c.call('fleet.work', { ms: 1500 }, { id: busyId, timeoutMs: 20_000 }).catch((e: unknown) => e);
      await startedOn(busyId, 1);
      const id = nanoid();
      const late = await c.call('fleet.work', { ms: 0 }, { id, timeoutMs: 20_000 }).catch((e: unknown) => e);
      expect(late).toMatchObject({ code: -32003 });
      await busy;
      // The worker got to it after its deadline: answered in the call's key, never run.
      await until(async () => (await redis.get(`${prefix}call:5:alice${id.length}:${id}`))?.includes('"done"') ?? false, 5000);
      const stored = JSON.parse((await redis.get(`${prefix}call:5:alice${id.length}:${id}`))!) as { reply: { error: { code: number } } };
      expect(stored.reply.error.code).toBe(-32003);
      expect(await ranBy(id)).toEqual([]);
    }, 40_000);

    it('dead-letters a call that killed every worker that took it, and its caller gets -32603', async () => {
      fresh();
      const url = await gateway();
      const c = await client(url);
      const id = nanoid();
      const first = await pythonWorker('py-1', { MAX_DELIVERIES: '2' });
      const answer = c.call('fleet.work', { ms: 30_000 }, { id, timeoutMs: 30_000 }).catch((e: unknown) => e);
      await startedOn(id, 1);
      first.kill('SIGKILL');
      const second = await nodeWorker('node-2', { MAX_DELIVERIES: '2' });
      await startedOn(id, 2);
      second.kill('SIGKILL');
      await pythonWorker('py-3', { MAX_DELIVERIES: '2' });
      expect(await answer).toMatchObject({ code: -32603, message: 'Call failed after 2 deliveries' });
      expect(await ranBy(id)).toEqual(['py-1', 'node-2']);
      const dead = await redis.xrange(`${prefix}rpc:dead`, '-', '+');
      expect(dead).toHaveLength(1);
      const fields = dead[0]![1];
      expect(JSON.parse(fields[fields.indexOf('payload') + 1]!)).toMatchObject({ id, method: 'fleet.work' });
    }, 60_000);

    it('SIGTERM: the Python worker finishes the call it runs, answers it, and exits 0', async () => {
      fresh();
      const url = await gateway();
      const py = await pythonWorker('py-leaving');
      const c = await client(url);
      const id = nanoid();
      const answer = c.call('fleet.work', { ms: 1000 }, { id, timeoutMs: 20_000 });
      await startedOn(id, 1);
      const exited = new Promise<number | null>((r) => py.once('exit', r));
      py.kill('SIGTERM');
      expect(await answer).toEqual({ by: 'python', worker: 'py-leaving' });
      expect(await exited).toBe(0);
    }, 30_000);
  });
});

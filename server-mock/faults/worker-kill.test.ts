/**
 * Fault: a worker SIGKILLed while every worker is saturated. Two workers with a small
 * CONCURRENCY take calls from ~50 clients calling without pause; one is killed mid-call. The
 * calls it had taken (its pending entries in the consumer group at the kill) must be taken
 * over and answered within 1.5 × CLAIM_IDLE_MS plus their own run time, each call may run at
 * most twice (once on the dead worker, once on the rescuer), and every call settles once.
 */
import { expect, it } from 'vitest';
import { describeWithRedisServer } from '../testing/redis-server.ts';
import { printFigures } from './ledger.ts';
import { secs, useCases, waitFor } from './harness.ts';
import { keyPart } from '../broker/broker.ts';

/** The request stream of `fault.work` (calls are routed by method, one stream each). */
const STREAM = `tether:rpc:${keyPart('fault.work')}`;

const CLIENTS = 50;
const CONCURRENCY = 4;
const CLAIM_IDLE_MS = 2000;
const RUN_MS = 300;
/** How long the load goes on after the kill: long enough for a starved take-over (7-8 s and more) to show. */
const LOAD_AFTER_KILL_MS = 12_000;

describeWithRedisServer('fault: worker SIGKILL under saturation', () => {
  const cases = useCases();

  it("takes over the killed worker's calls within 1.5 × claim time + run time, runs each at most twice, settles every call once", async () => {
    const c = await cases.start();
    const workerEnv = { CONCURRENCY: String(CONCURRENCY), CLAIM_IDLE_MS: String(CLAIM_IDLE_MS) };
    const [gateway, , doomed] = await Promise.all([c.gateway(), c.worker('survivor', workerEnv), c.worker('doomed', workerEnv)]);
    const redis = await c.inspect();
    const names = Array.from({ length: CLIENTS }, (_, i) => `u${i}`);
    const clients = names.map((name) => c.client(name, name, gateway.url));
    expect(await waitFor(() => clients.every((cl) => cl.getSnapshot().state === 'connected'), 15_000)).toBe(true);

    const loops = names.map((name) => c.repeat((i) => c.ledger.call(name, `${name}.${i}`, 'fault.work', { key: `${name}.${i}`, ms: RUN_MS })));
    await new Promise((r) => setTimeout(r, 3000)); // saturated: both workers full, a queue behind them

    const killedAt = Date.now();
    doomed.kill('SIGKILL');
    // What the dead worker had taken: its entries in the group's pending list, and the calls they carry.
    const pending = (await redis.call('XPENDING', STREAM, 'tether-workers', '-', '+', 100, 'doomed')) as [string, string, number, number][];
    const taken: string[] = [];
    for (const [id] of pending) {
      const [[, fields] = ['', []]] = (await redis.xrange(STREAM, id, id)) as [string, string[]][];
      const payload = JSON.parse(fields[fields.indexOf('payload') + 1] ?? '{}') as { params?: { key?: string } };
      if (payload.params?.key) taken.push(payload.params.key);
    }
    const settledAt = (key: string) => c.ledger.callRecord(key)?.end;
    await waitFor(() => taken.every((key) => settledAt(key) !== undefined), LOAD_AFTER_KILL_MS);
    // Then the load stops and the queue drains; a take-over starved until now happens after this.
    const loadStoppedAt = Date.now();
    for (const loop of loops) loop.stop();
    await waitFor(() => c.ledger.pendingCalls() === 0, 30_000);

    const takeOver = taken.map((key) => (settledAt(key) ?? Infinity) - killedAt);
    const slowest = Math.max(0, ...takeOver);
    const bound = 1.5 * CLAIM_IDLE_MS + RUN_MS;
    const f = c.ledger.check({ lateMs: Infinity, runs: c.runs() });
    const underLoad = taken.filter((key) => (settledAt(key) ?? Infinity) <= loadStoppedAt).length;
    printFigures('worker SIGKILL under saturation', f, [
      `${f.calls.made} calls from ${CLIENTS} clients on 2 workers × CONCURRENCY ${CONCURRENCY}, ${RUN_MS} ms each; ${taken.length} taken by the killed worker, slowest take-over ${secs(slowest)} (bound ${secs(bound)}), each: ${takeOver.map((t) => secs(t)).join(', ')}`,
      `${underLoad} of ${taken.length} answered while the load lasted (${secs(loadStoppedAt - killedAt)} after the kill), the rest only once it stopped`,
    ]);

    expect(taken.length).toBeGreaterThan(0);
    expect(slowest).toBeLessThanOrEqual(bound);
    expect(f.runs.max).toBeLessThanOrEqual(2);
    expect(f.runs.newId).toBe(0);
    expect(f.calls).toMatchObject({ pending: 0, settledTwice: 0, untyped: 0, answeredTwice: 0 });
    expect(f.calls.ok).toBe(f.calls.made);
  });
});

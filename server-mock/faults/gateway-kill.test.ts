/**
 * Fault: one of two gateways SIGKILLed behind a round-robin balancer (the fault proxy). The
 * clients on it come back through the other one; calls in flight at the kill are resent with
 * the same id and answered there without running again; every notification and broadcast
 * published meanwhile reaches each of its clients exactly once, replayed from history.
 */
import { expect, it } from 'vitest';
import { describeWithRedisServer } from '../testing/redis-server.ts';
import { printFigures } from './ledger.ts';
import { secs, useCases, waitFor } from './harness.ts';

const CLIENTS = 20;
const RUN_MS = 250;

describeWithRedisServer('fault: gateway SIGKILL behind a balancer', () => {
  const cases = useCases();

  it('brings every client back through the other gateway, loses and reruns no call, and delivers every event once', async () => {
    const c = await cases.start();
    const [g1, g2] = await Promise.all([c.gateway(), c.gateway(), c.worker('w1'), c.worker('w2')]);
    const balancer = await c.proxy([g1.address, g2.address]);
    const backend = await c.backend();
    const names = Array.from({ length: CLIENTS }, (_, i) => `u${i}`);
    const clients = names.map((name) => c.client(name, name, balancer.url));
    const connected = () => clients.every((cl) => cl.getSnapshot().state === 'connected');
    expect(await waitFor(connected, 15_000)).toBe(true);

    const loops = names.map((name) => c.repeat((i) => c.ledger.call(name, `${name}.${i}`, 'fault.work', { key: `${name}.${i}`, ms: RUN_MS })));
    let next = 0;
    const stopNotes = c.every(25, () => void c.ledger.publish(backend, { kind: 'user', user: names[next++ % CLIENTS]! }));
    const stopBroadcasts = c.every(200, () => void c.ledger.publish(backend, { kind: 'broadcast' }));
    await new Promise((r) => setTimeout(r, 2000));

    const onKilled = balancer.connections().filter((l) => l.upstream === g1.address).length;
    const reconnected = new Set<number>();
    clients.forEach((cl, i) => cl.on('state', (e) => e.from === 'connected' && reconnected.add(i)));
    const killedAt = Date.now();
    g1.kill('SIGKILL');
    const allBack = await waitFor(() => reconnected.size >= onKilled && connected(), 15_000, 10);
    const backMs = Date.now() - killedAt;
    await new Promise((r) => setTimeout(r, 2000));
    for (const loop of loops) loop.stop();
    stopNotes();
    stopBroadcasts();
    await waitFor(() => c.ledger.pendingCalls() === 0 && c.ledger.outstanding() === 0, 20_000);

    const f = c.ledger.check({ lateMs: 5000, runs: c.runs() });
    printFigures('gateway SIGKILL behind a balancer', f, [
      `${onKilled} of ${CLIENTS} clients were on the killed gateway; all back after ${secs(backMs)}: ${allBack}; balancer ${JSON.stringify(balancer.stats())}`,
    ]);

    expect(allBack).toBe(true);
    expect(f.calls).toMatchObject({ pending: 0, settledTwice: 0, untyped: 0, answeredTwice: 0 });
    expect(f.calls.ok).toBe(f.calls.made);
    expect(f.runs).toMatchObject({ calls: f.calls.made, max: 1, newId: 0 });
    expect(f.events).toMatchObject({ lost: 0, twice: 0, gapped: 0 });
    expect(f.events.once).toBe(f.events.expected);
  });
});

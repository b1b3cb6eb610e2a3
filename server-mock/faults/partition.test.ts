/**
 * Fault: a network partition where TCP stays up. A client talks to the gateway through the
 * fault proxy; the proxy holds every byte both ways (nothing is closed, nothing arrives),
 * then passes again and flushes what it held. The client must notice the silence within
 * heartbeatMs + heartbeatGraceMs, come back once the network does, and every call made
 * before or during the partition must settle exactly once and run exactly once.
 */
import { expect, it } from 'vitest';
import { describeWithRedisServer } from '../testing/redis-server.ts';
import { printFigures } from './ledger.ts';
import { secs, useCases, waitFor } from './harness.ts';

const HEARTBEAT_MS = 1000;
const GRACE_MS = 1000;
/** Timers fire a little late on a busy machine; the bound itself is the protocol's. */
const TIMER_SLACK_MS = 150;
const HOLD_MS = 3500;

describeWithRedisServer('fault: partition with held bytes', () => {
  const cases = useCases();

  it('detects the dead socket within heartbeat + grace, comes back, and settles every call once', async () => {
    const c = await cases.start();
    const [gateway] = await Promise.all([c.gateway({ HEARTBEAT_MS: String(HEARTBEAT_MS) }), c.worker('w1')]);
    const proxy = await c.proxy([gateway.address]);
    const backend = await c.backend();
    const client = c.client('alice', 'alice', proxy.url, { heartbeatGraceMs: GRACE_MS, connectTimeoutMs: 1500, restartWindowMs: 1000 });
    const states: { to: string; at: number }[] = [];
    client.on('state', (e) => states.push({ to: e.to, at: Date.now() }));
    expect(await waitFor(() => client.getSnapshot().state === 'connected', 5000)).toBe(true);

    let n = 0;
    const stopCalls = c.every(100, () => void c.ledger.call('alice', `a${++n}`, 'fault.work', { key: `a${n}`, ms: 200 }));
    const stopEvents = c.every(100, () => void c.ledger.publish(backend, { kind: 'user', user: 'alice' }));
    await new Promise((r) => setTimeout(r, 1000));

    const heldAt = Date.now();
    proxy.hold();
    const noticed = await waitFor(() => states.some((s) => s.at >= heldAt && s.to !== 'connected'), HEARTBEAT_MS + GRACE_MS + 3000, 10);
    const detectedMs = noticed ? states.find((s) => s.at >= heldAt)!.at - heldAt : Infinity;
    await new Promise((r) => setTimeout(r, Math.max(0, heldAt + HOLD_MS - Date.now())));
    const passedAt = Date.now();
    proxy.pass('flush');
    const back = await waitFor(() => states.some((s) => s.at >= passedAt && s.to === 'connected'), 10_000, 10);
    const backMs = back ? states.find((s) => s.at >= passedAt && s.to === 'connected')!.at - passedAt : Infinity;
    await new Promise((r) => setTimeout(r, 1000));
    stopCalls();
    stopEvents();
    await waitFor(() => c.ledger.pendingCalls() === 0 && c.ledger.outstanding() === 0, 15_000);

    const f = c.ledger.check({ lateMs: HOLD_MS + 5000, runs: c.runs() });
    const bound = HEARTBEAT_MS + GRACE_MS;
    printFigures('partition with held bytes', f, [
      `dead socket noticed after ${secs(detectedMs)} (bound ${secs(bound)}); back ${secs(backMs)} after the network was; held ${secs(HOLD_MS)}`,
      `proxy: ${JSON.stringify(proxy.stats())}`,
    ]);

    expect(detectedMs).toBeLessThanOrEqual(bound + TIMER_SLACK_MS);
    expect(back).toBe(true);
    expect(f.calls).toMatchObject({ pending: 0, settledTwice: 0, untyped: 0, answeredTwice: 0 });
    expect(f.calls.ok).toBe(f.calls.made);
    expect(f.runs).toMatchObject({ calls: f.calls.made, max: 1, newId: 0 });
    expect(f.events).toMatchObject({ lost: 0, twice: 0 });
  });
});

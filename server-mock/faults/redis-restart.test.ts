/**
 * Fault: Redis restarted without persistence under publish and call load. A backend
 * publishes notifications to every user, broadcasts and room messages at a steady rate while
 * the clients call; Redis is SIGKILLed and comes back empty. Some clients stay connected
 * through it (their gateway's subscriber reconnects under them); others are offline across
 * it (cut by the proxy just before) and resume afterwards over a history that was recreated.
 * Afterwards every event was delivered once, or its client got a `gap` for that stream; every
 * call settled once, with a result or a typed error, and none is left pending.
 *
 * The gateway reaches Redis through a second fault proxy, which keeps it out for a moment
 * after Redis is back while the backend is already publishing again. Which reconnects first
 * is a race in real life (backoff phases differ); the proxy makes the unlucky order certain,
 * so events published before the gateway's subscriber is back are always part of the case.
 */
import { expect, it } from 'vitest';
import { describeWithRedisServer } from '../testing/redis-server.ts';
import { printFigures } from './ledger.ts';
import { secs, useCases, waitFor } from './harness.ts';

const STAYING = 8;
const RETURNING = 8;
const ROOM = 'lobby';
/** How long after Redis is back the gateway still cannot reach it. */
const GATEWAY_LATE_MS = 700;

describeWithRedisServer('fault: Redis restart under load', () => {
  const cases = useCases();

  it('delivers every event once or with a gap, and settles every call once, across a Redis restart', async () => {
    const c = await cases.start();
    const redisLink = await c.proxy([`127.0.0.1:${c.redis.port}`]);
    const [gateway] = await Promise.all([
      c.gateway({ CALL_TIMEOUT_MS: '3000', REDIS_URL: `redis://127.0.0.1:${redisLink.port}` }),
      c.worker('w1', { CLAIM_IDLE_MS: '2000' }),
    ]);
    const proxy = await c.proxy([gateway.address]);
    const backend = await c.backend();
    // Short backoff caps: the returning clients are back within a second or two of the network, so the case stays short.
    const options = { callTimeoutMs: 10_000, restartWindowMs: 1000, backoff: { maxMs: 1500 } };
    const staying = Array.from({ length: STAYING }, (_, i) => `s${i}`);
    const returning = Array.from({ length: RETURNING }, (_, i) => `r${i}`);
    const names = [...staying, ...returning];
    const clients = [
      ...staying.map((n) => c.client(n, n, gateway.url, options)),
      ...returning.map((n) => c.client(n, n, proxy.url, options)),
    ];
    const connected = () => clients.every((cl) => cl.getSnapshot().state === 'connected');
    expect(await waitFor(connected, 15_000)).toBe(true);
    await Promise.all(names.map((n) => c.ledger.joinRoom(n, ROOM)));

    const loops = names.map((name) =>
      c.repeat(async (i) => {
        await c.ledger.call(name, `${name}.${i}`, 'fault.work', { key: `${name}.${i}`, ms: 100 });
        await new Promise((r) => setTimeout(r, 50));
      }),
    );
    let next = 0;
    const stops = [
      c.every(20, () => void c.ledger.publish(backend, { kind: 'user', user: names[next++ % names.length]! })),
      c.every(100, () => void c.ledger.publish(backend, { kind: 'broadcast' })),
      c.every(100, () => void c.ledger.publish(backend, { kind: 'room', room: ROOM })),
    ];
    await new Promise((r) => setTimeout(r, 1500));

    // The returning clients go offline; what is published meanwhile lands in a history about to be lost.
    proxy.refuse();
    proxy.reset();
    await new Promise((r) => setTimeout(r, 1000));
    const restartedAt = Date.now();
    redisLink.refuse();
    redisLink.reset(); // the gateway's connections die with Redis, as they would
    await c.redis.restart();
    const downMs = Date.now() - restartedAt;
    await new Promise((r) => setTimeout(r, GATEWAY_LATE_MS));
    redisLink.pass();
    await new Promise((r) => setTimeout(r, 2000 - GATEWAY_LATE_MS));
    proxy.pass();
    const back = await waitFor(connected, 10_000);
    await new Promise((r) => setTimeout(r, 2000));
    for (const loop of loops) loop.stop();
    for (const stop of stops) stop();
    await waitFor(() => c.ledger.pendingCalls() === 0 && c.ledger.outstanding() === 0, 8000);

    const f = c.ledger.check({ lateMs: 5000, runs: c.runs() });
    const lostBy = (group: string[]) => group.reduce((sum, n) => sum + (f.lostByClient[n] ?? 0), 0);
    printFigures('Redis restart under load', f, [
      `${STAYING} clients stayed connected, ${RETURNING} were offline across the restart and came back: ${back}; Redis down ${secs(downMs)}, the gateway back on it ${secs(GATEWAY_LATE_MS)} after the backend; backend broker errors ${c.brokerErrors()}`,
      `lost without a gap: ${lostBy(staying)} by the clients that stayed connected, ${lostBy(returning)} by those that resumed after the restart`,
    ]);

    expect(back).toBe(true);
    expect(f.calls).toMatchObject({ pending: 0, settledTwice: 0, untyped: 0, answeredTwice: 0 });
    expect(f.events).toMatchObject({ lost: 0, twice: 0 });
  });
});

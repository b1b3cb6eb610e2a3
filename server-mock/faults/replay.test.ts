/**
 * Fault: a replay larger than MAX_BUFFERED_BYTES. A client is cut off (the proxy resets its
 * connection and refuses new ones) while the backend publishes 100 × 64 KB notifications to
 * it and 100 × 64 KB broadcasts: 12.5 MiB to replay, against a 1 MiB limit on what the
 * gateway may queue for one socket. When it comes back it must get all of them exactly once
 * (or a gap, never a silent loss), without being closed as a slow consumer again and again.
 */
import { expect, it } from 'vitest';
import { describeWithRedisServer } from '../testing/redis-server.ts';
import { printFigures } from './ledger.ts';
import { mb, secs, useCases, waitFor } from './harness.ts';

const EVENTS = 100;
const EVENT_BYTES = 64 * 1024;
const HISTORY = 1000;

describeWithRedisServer('fault: replay larger than MAX_BUFFERED_BYTES', () => {
  const cases = useCases();

  it('replays 100 × 64 KB notifications and broadcasts to a returning client, each once, with no 1013 loop', async () => {
    const c = await cases.start();
    // MAX_BUFFERED_BYTES stays at its default, 1 MiB.
    const gateway = await c.gateway({ MAX_FRAME_BYTES: String(2 * EVENT_BYTES), HISTORY_MAX_LEN: String(HISTORY) });
    const proxy = await c.proxy([gateway.address]);
    const backend = await c.backend({ historyMaxLen: HISTORY });
    const client = c.client('reader', 'reader', proxy.url);
    expect(await waitFor(() => client.getSnapshot().state === 'connected', 10_000)).toBe(true);
    // One event seen live first, so the client resumes from an offset it received.
    await c.ledger.publish(backend, { kind: 'user', user: 'reader' });
    await c.ledger.publish(backend, { kind: 'broadcast' });
    expect(await waitFor(() => c.ledger.outstanding() === 0, 5000)).toBe(true);

    proxy.refuse();
    proxy.reset();
    expect(await waitFor(() => client.getSnapshot().state !== 'connected', 5000)).toBe(true);
    for (let i = 0; i < EVENTS; i++) {
      await Promise.all([
        c.ledger.publish(backend, { kind: 'user', user: 'reader' }, EVENT_BYTES),
        c.ledger.publish(backend, { kind: 'broadcast' }, EVENT_BYTES),
      ]);
    }
    const passedAt = Date.now();
    proxy.pass();
    const complete = await waitFor(() => c.ledger.outstanding() === 0, 15_000);
    const completeMs = Date.now() - passedAt;

    const f = c.ledger.check({ lateMs: Infinity });
    printFigures('replay larger than MAX_BUFFERED_BYTES', f, [
      `${EVENTS} × ${EVENT_BYTES / 1024} KB notifications + ${EVENTS} × ${EVENT_BYTES / 1024} KB broadcasts (${mb(2 * EVENTS * EVENT_BYTES)}) published while the client was away; MAX_BUFFERED_BYTES 1 MiB`,
      `everything delivered (or gapped) ${complete ? `${secs(completeMs)} after the network came back` : 'not within 15 s'}; slow-consumer closes (1013): ${f.closes['1013'] ?? 0}`,
    ]);

    expect(f.events).toMatchObject({ lost: 0, twice: 0 });
    // At most one: a loop is what must not happen; a gateway that paces its replay closes nothing.
    expect(f.closes['1013'] ?? 0).toBeLessThanOrEqual(1);
  });
});

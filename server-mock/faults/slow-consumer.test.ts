/**
 * Fault: a slow consumer. One client stops reading (the proxy stops reading what the gateway
 * sends it, so TCP backpressure builds up at the gateway) while the backend publishes big
 * notifications to it and to another user. The gateway must close the slow one (1013) with
 * its own memory bounded, and the other must get everything promptly meanwhile. Once the
 * network moves again, the slow client comes back and ends with every event once, or a gap.
 */
import { expect, it } from 'vitest';
import { describeWithRedisServer } from '../testing/redis-server.ts';
import { printFigures } from './ledger.ts';
import { health, mb, sampleRss, secs, useCases, waitFor } from './harness.ts';

const MAX_BUFFERED_BYTES = 262_144;
const EVENT_BYTES = 32 * 1024;
/**
 * Events published to each user: 32 MB, far more than the kernel's socket buffers and the
 * gateway's limit take, so a gateway that kept buffering for the slow client would grow by
 * most of it. What comes after the close reaches the slow client only by resuming.
 */
const EVENTS = 1000;
/** Published concurrently, to reach tens of MB/s through one backend connection. */
const BATCH = 8;
const HISTORY = 5000;
/** "Promptly", for the client that reads. */
const PROMPT_MS = 1000;
/**
 * Growth of the gateway's RSS allowed: what parsing and framing big events costs, not what
 * the slow client was sent. Measured on 2 cores: about +22 MB with the limit at work, +45 MB
 * when the limit is out of reach (MAX_BUFFERED_BYTES=1e9).
 */
const RSS_BOUND = 32 * 1024 * 1024;

describeWithRedisServer('fault: slow consumer', () => {
  const cases = useCases();

  it('closes the client that stops reading with bounded memory, serves the other promptly, and resumes the slow one without loss', async () => {
    const c = await cases.start();
    const gateway = await c.gateway({ MAX_BUFFERED_BYTES: String(MAX_BUFFERED_BYTES), HISTORY_MAX_LEN: String(HISTORY) });
    const proxy = await c.proxy([gateway.address]);
    const backend = await c.backend({ historyMaxLen: HISTORY });
    const slow = c.client('slow', 'slow', proxy.url);
    const fast = c.client('fast', 'fast', gateway.url);
    expect(await waitFor(() => slow.getSnapshot().state === 'connected' && fast.getSnapshot().state === 'connected', 10_000)).toBe(true);

    const [link] = proxy.connections();
    proxy.pauseDownstream(link!.id);
    const rss = sampleRss(gateway.pid);
    let sent = 0;
    let closedAfter = 0;
    const started = Date.now();
    while (sent < EVENTS) {
      const batch = Math.min(BATCH, EVENTS - sent);
      await Promise.all(
        Array.from({ length: batch }, () => [
          c.ledger.publish(backend, { kind: 'user', user: 'slow' }, EVENT_BYTES),
          c.ledger.publish(backend, { kind: 'user', user: 'fast' }, EVENT_BYTES),
        ]).flat(),
      );
      sent += batch;
      // The gateway's own count: the slow connection is gone from it once it gave up on it.
      if (!closedAfter && (await health(gateway)).connections === 1) closedAfter = sent;
    }
    const publishMs = Date.now() - started;
    await waitFor(() => c.ledger.outstanding(['fast']) === 0, 10_000);
    rss.stop();
    const growth = rss.peak() - rss.first;

    const resumedAt = Date.now();
    proxy.resumeDownstream(link!.id);
    const complete = await waitFor(() => c.ledger.outstanding(['slow']) === 0, 15_000);
    const completeMs = Date.now() - resumedAt;

    const fastFigures = c.ledger.check({ lateMs: PROMPT_MS, only: ['fast'] });
    const slowFigures = c.ledger.check({ lateMs: Infinity, only: ['slow'] });
    const lines = [
      `${sent} × ${EVENT_BYTES / 1024} KB published to each user in ${secs(publishMs)}; the gateway closed the slow client after ${closedAfter || 'never'} (${mb(closedAfter * EVENT_BYTES)}); gateway RSS ${mb(rss.first)} → peak ${mb(rss.peak())} (+${mb(growth)}, bound +${mb(RSS_BOUND)})`,
      `the slow client had everything (or a gap) ${complete ? `${secs(completeMs)} after the network moved again` : `not within 15 s`}`,
    ];
    printFigures('slow consumer: the client that reads', fastFigures, lines, { lateMs: PROMPT_MS });
    printFigures('slow consumer: the client that stopped reading', slowFigures);

    expect(closedAfter).toBeGreaterThan(0);
    expect(slowFigures.closes['1013']).toBeGreaterThanOrEqual(1);
    expect(growth).toBeLessThanOrEqual(RSS_BOUND);
    expect(fastFigures.events).toMatchObject({ lost: 0, twice: 0, late: 0, gapped: 0 });
    expect(slowFigures.events).toMatchObject({ lost: 0, twice: 0 });
  });
});

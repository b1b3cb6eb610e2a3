import { register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.ts';

/** The value of one exposition line, e.g. `tether_connections 2`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('createMetrics', () => {
  it('keeps each gateway in its own registry, away from the global one', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.connectionOpened();
    expect(sample(await a.render(), 'tether_connections')).toBe(1);
    expect(sample(await b.render(), 'tether_connections')).toBe(0);
    expect(await globalRegistry.metrics()).not.toContain('tether_');
  });

  it('includes the default Node metrics unless asked not to', async () => {
    expect(await createMetrics().render()).toContain('process_cpu_user_seconds_total');
    expect(await createMetrics({ defaultMetrics: false }).render()).not.toContain('process_cpu_user_seconds_total');
  });

  it('counts connections up and down', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.connectionOpened();
    m.connectionOpened();
    m.connectionClosed();
    expect(sample(await m.render(), 'tether_connections')).toBe(1);
  });

  it('counts calls by method and outcome, and times them in sub-millisecond to seconds buckets', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.callDone('orders.create', 'ok', 0.003);
    m.callDone('orders.create', 'ok', 0.0004);
    m.callDone('orders.create', 'timeout', 30);
    m.callDone('system.ping', 'rejected', 0.0001);
    const text = await m.render();
    expect(sample(text, 'tether_calls_total{method="orders.create",outcome="ok"}')).toBe(2);
    expect(sample(text, 'tether_calls_total{method="orders.create",outcome="timeout"}')).toBe(1);
    expect(sample(text, 'tether_calls_total{method="system.ping",outcome="rejected"}')).toBe(1);
    expect(sample(text, 'tether_call_duration_seconds_bucket{le="0.0005",method="orders.create"}')).toBe(1);
    expect(sample(text, 'tether_call_duration_seconds_bucket{le="0.005",method="orders.create"}')).toBe(2);
    expect(sample(text, 'tether_call_duration_seconds_bucket{le="10",method="orders.create"}')).toBe(2);
    expect(sample(text, 'tether_call_duration_seconds_count{method="orders.create"}')).toBe(3);
    expect(sample(text, 'tether_call_duration_seconds_bucket{le="+Inf",method="orders.create"}')).toBe(3);
    expect(sample(text, 'tether_call_duration_seconds_sum{method="orders.create"}')).toBeCloseTo(30.0034);
    expect(text).toContain('# TYPE tether_call_duration_seconds histogram');
    expect(text).toContain('# TYPE tether_calls_total counter');
  });

  it('folds method names past the cap into (other), so clients cannot grow the registry', async () => {
    const m = createMetrics({ defaultMetrics: false, maxMethods: 2 });
    for (const name of ['a', 'b', 'c', 'd', 'a']) m.callDone(name, 'error', 0.01);
    const text = await m.render();
    expect(sample(text, 'tether_calls_total{method="a",outcome="error"}')).toBe(2);
    expect(sample(text, 'tether_calls_total{method="b",outcome="error"}')).toBe(1);
    expect(sample(text, 'tether_calls_total{method="(other)",outcome="error"}')).toBe(2);
    expect(text).not.toContain('method="c"');
  });

  it('counts broker errors by operation and events by kind, with zeros before the first event', async () => {
    const m = createMetrics({ defaultMetrics: false });
    expect(sample(await m.render(), 'tether_events_total{kind="room"}')).toBe(0);
    m.brokerError('publish');
    m.brokerError('publish');
    m.eventPublished({ kind: 'user', user: '42' });
    m.eventPublished({ kind: 'broadcast' });
    m.eventPublished({ kind: 'room', room: 'r' });
    m.eventPublished({ kind: 'room', room: 'r' });
    const text = await m.render();
    expect(sample(text, 'tether_broker_errors_total{op="publish"}')).toBe(2);
    expect(sample(text, 'tether_events_total{kind="notification"}')).toBe(1);
    expect(sample(text, 'tether_events_total{kind="broadcast"}')).toBe(1);
    expect(sample(text, 'tether_events_total{kind="room"}')).toBe(2);
  });

  it('names the Prometheus text content type', () => {
    expect(createMetrics({ defaultMetrics: false }).contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('counts unknown method names under (unknown), so junk names never become series', async () => {
    const known = new Set(['orders.create', 'system.ping']);
    const m = createMetrics({ defaultMetrics: false, knownMethods: (name) => known.has(name) });
    m.callDone('orders.create', 'ok', 0.01);
    for (let i = 0; i < 100; i++) m.callDone(`junk-${i}-${'x'.repeat(30_000)}`, 'error', 0.001);
    const text = await m.render();
    expect(sample(text, 'tether_calls_total{method="orders.create",outcome="ok"}')).toBe(1);
    expect(sample(text, 'tether_calls_total{method="(unknown)",outcome="error"}')).toBe(100);
    // 100 calls with 30 KB names once made /metrics 52 MB.
    expect(text.length).toBeLessThan(20_000);
  });

  it('cuts long method labels to 64 characters, even for known methods', async () => {
    const long = `svc.${'a'.repeat(100)}`;
    const m = createMetrics({ defaultMetrics: false, knownMethods: () => true });
    m.callDone(long, 'ok', 0.01);
    const text = await m.render();
    expect(text).toContain(`method="${long.slice(0, 63)}…"`);
    expect(text).not.toContain(long);
  });

  it('still caps distinct method labels without a method list (RPC proxy mode)', async () => {
    const m = createMetrics({ defaultMetrics: false, maxMethods: 10 });
    for (let i = 0; i < 1000; i++) m.callDone(`m${i}`, 'ok', 0.001);
    const text = await m.render();
    expect(sample(text, 'tether_calls_total{method="(other)",outcome="ok"}')).toBe(990);
  });

  it('counts limit trips by limit, with zeros for every limit before the first trip', async () => {
    const m = createMetrics({ defaultMetrics: false });
    expect(sample(await m.render(), 'tether_limit_trips_total{limit="frames_before_auth"}')).toBe(0);
    m.limitTripped('rooms_per_connection');
    m.limitTripped('rooms_per_connection');
    m.limitTripped('slow_consumer');
    const text = await m.render();
    expect(sample(text, 'tether_limit_trips_total{limit="rooms_per_connection"}')).toBe(2);
    expect(sample(text, 'tether_limit_trips_total{limit="slow_consumer"}')).toBe(1);
    for (const limit of ['connections_per_user', 'calls_per_user', 'preauth_per_address']) {
      expect(sample(text, `tether_limit_trips_total{limit="${limit}"}`)).toBe(0);
    }
  });

  it('counts refused upgrades by reason', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.upgradeRefused('origin');
    m.upgradeRefused('origin');
    m.upgradeRefused('draining');
    const text = await m.render();
    expect(sample(text, 'tether_upgrades_refused_total{reason="origin"}')).toBe(2);
    expect(sample(text, 'tether_upgrades_refused_total{reason="draining"}')).toBe(1);
    expect(sample(text, 'tether_upgrades_refused_total{reason="subprotocol"}')).toBe(0);
  });

  it('counts refused tokens by kind and refused room operations by action and rule', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.authRefused('expired');
    m.roomRefused('join', 'user-limited');
    const text = await m.render();
    expect(sample(text, 'tether_auth_refusals_total{kind="expired"}')).toBe(1);
    expect(sample(text, 'tether_room_refusals_total{action="join",rule="user-limited"}')).toBe(1);
  });

  it('folds label values outside the fixed lists into other (callers in plain JavaScript)', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const anything = (s: string) => s as never;
    for (let i = 0; i < 50; i++) {
      m.limitTripped(anything(`made-up-${i}`));
      m.upgradeRefused(anything(`x${i}`));
      m.authRefused(anything(`y${i}`));
      m.roomRefused(anything(`z${i}`), anything(`w${i}`));
    }
    const text = await m.render();
    expect(sample(text, 'tether_limit_trips_total{limit="other"}')).toBe(50);
    expect(sample(text, 'tether_upgrades_refused_total{reason="other"}')).toBe(50);
    expect(sample(text, 'tether_auth_refusals_total{kind="other"}')).toBe(50);
    expect(sample(text, 'tether_room_refusals_total{action="other",rule="other"}')).toBe(50);
  });
});

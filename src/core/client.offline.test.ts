import { describe, expect, it, vi } from 'vitest';
import { advance, harness } from '../testing/harness.ts';
import { NO_ANSWER } from '../testing/fake-gateway.ts';

const h = harness();

describe('offline awareness', () => {
  it('goes offline with no timers running and makes no attempts until the network is back', async () => {
    const gw = h.gateway();
    const { client, page, states } = h.client({ url: gw.url });
    await advance(10);
    page.goOffline();
    await advance(0);
    expect(client.getSnapshot().state).toBe('offline');
    expect(gw.live()).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
    await advance(10 * 60_000);
    expect(gw.conns).toHaveLength(1);
    expect(states.at(-1)).toBe('offline');
  });

  it('connects at once when the network comes back, skipping the backoff', async () => {
    const gw = h.gateway();
    gw.refuse();
    const { client, page } = h.client({ url: gw.url, random: () => 0.999 });
    await advance(60_000); // the backoff has grown to its cap
    expect(client.getSnapshot().nextRetryAt! - Date.now()).toBeGreaterThan(1000);
    page.goOffline();
    gw.refuse(false);
    await advance(0);
    page.goOnline();
    await advance(10);
    expect(client.getSnapshot().state).toBe('connected');
  });

  it('does not even try while the browser starts offline', async () => {
    const gw = h.gateway();
    const page = (await import('../testing/fake-environment.ts')).fakeEnvironment();
    page.goOffline();
    const { client } = h.client({ url: gw.url, environment: page.env });
    await advance(60_000);
    expect(client.getSnapshot().state).toBe('offline');
    expect(gw.conns).toHaveLength(0);
    page.goOnline();
    await advance(10);
    expect(client.getSnapshot().state).toBe('connected');
  });

  it('attempts at once when the page becomes visible while waiting out a backoff', async () => {
    const gw = h.gateway();
    gw.refuse();
    const { client, page } = h.client({ url: gw.url, random: () => 0.999 });
    await advance(60_000);
    gw.refuse(false);
    page.wake();
    await advance(10);
    expect(client.getSnapshot().state).toBe('connected');
  });

  it('probes a connected socket on wake and replaces it when the probe goes unanswered', async () => {
    const gw = h.gateway();
    const { client, page } = h.client({ url: gw.url, probeTimeoutMs: 3000, random: () => 0 });
    await advance(10);
    gw.method('system.ping', () => NO_ANSWER);
    page.wake();
    await advance(0);
    expect(gw.sent('system.ping')).toHaveLength(1);
    await advance(3001);
    expect(gw.conns[0]!.open).toBe(false);
    await advance(10);
    expect(client.getSnapshot().state).toBe('connected');
    expect(gw.conns).toHaveLength(2);
  });

  it('keeps a connected socket whose probe is answered', async () => {
    const gw = h.gateway();
    const { client, page } = h.client({ url: gw.url });
    await advance(10);
    page.wake();
    await advance(5000);
    expect(gw.sent('system.ping')).toHaveLength(1);
    expect(client.getSnapshot().state).toBe('connected');
    expect(gw.conns).toHaveLength(1);
  });
});

describe('heartbeats', () => {
  it('answers ping with pong', async () => {
    const gw = h.gateway();
    h.client({ url: gw.url });
    await advance(10);
    gw.last.send({ jsonrpc: '2.0', method: 'ping' });
    await advance(0);
    expect(gw.sent('pong')).toHaveLength(1);
  });

  it('replaces a socket that stays silent past heartbeatMs + grace', async () => {
    const gw = h.gateway({ heartbeatMs: 25_000 });
    const { client } = h.client({ url: gw.url, heartbeatGraceMs: 10_000, random: () => 0 });
    await advance(10);
    gw.silence();
    const changes: unknown[] = [];
    client.on('state', (e) => changes.push(e));
    await advance(34_000);
    expect(changes).toEqual([]);
    await advance(1100);
    expect(changes[0]).toMatchObject({ from: 'connected', to: 'reconnecting', reason: 'Heartbeat timeout' });
    expect(gw.conns[0]!.open).toBe(false);
    gw.silence(false);
    await advance(12_000); // the auth sent while silent went unanswered: the connect timeout retries
    expect(client.getSnapshot().state).toBe('connected');
  });

  it('stays connected while pings keep coming', async () => {
    const gw = h.gateway({ heartbeatMs: 25_000 });
    const { client } = h.client({ url: gw.url });
    await advance(10);
    for (let i = 0; i < 20; i++) {
      await advance(25_000);
      gw.last.send({ jsonrpc: '2.0', method: 'ping' });
    }
    expect(client.getSnapshot().state).toBe('connected');
    expect(gw.conns).toHaveLength(1);
  });

  it('measures silence by the wall clock, so timers firing late in a throttled tab cause no false disconnect', async () => {
    // Timers the test fires by hand, late, as a throttled background tab does.
    const due = new Map<number, () => void>();
    let n = 0;
    const timers = {
      setTimeout: (f: () => void) => (due.set(++n, f), n),
      clearTimeout: (id: unknown) => void due.delete(id as number),
    };
    const fireLate = () => {
      for (const [id, f] of [...due]) {
        due.delete(id);
        f();
      }
    };
    const gw = h.gateway({ heartbeatMs: 25_000 });
    const { client } = h.client({ url: gw.url, timers, heartbeatGraceMs: 10_000, sleepJumpMs: 10 * 60_000 });
    await advance(10);
    expect(client.getSnapshot().state).toBe('connected');
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 4; i++) {
        vi.setSystemTime(Date.now() + 25_000);
        gw.last.send({ jsonrpc: '2.0', method: 'ping' });
        await advance(0);
      }
      fireLate(); // 100 s late: but a ping arrived just now
      await advance(0);
      expect(client.getSnapshot().state).toBe('connected');
    }
    // The same late timer with no frame for 100 s does mean a dead socket.
    vi.setSystemTime(Date.now() + 100_000);
    fireLate();
    await advance(0);
    expect(client.getSnapshot()).toMatchObject({ state: 'reconnecting', reason: 'Heartbeat timeout' });
  });

  it('treats a large wall-clock jump (the machine slept) like waking up: it probes at once', async () => {
    const gw = h.gateway({ heartbeatMs: 25_000 });
    const { client } = h.client({ url: gw.url, sleepJumpMs: 30_000, probeTimeoutMs: 3000, random: () => 0 });
    await advance(10);
    gw.method('system.ping', () => NO_ANSWER);
    vi.setSystemTime(Date.now() + 10 * 60_000); // ten minutes asleep
    await advance(35_000); // the watchdog fires, far later than asked
    expect(gw.sent('system.ping')).toHaveLength(1);
    await advance(3100);
    expect(gw.conns.length).toBe(2);
    expect(client.getSnapshot().state).toBe('connected');
  });
});

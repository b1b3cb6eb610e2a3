import { describe, expect, it, vi } from 'vitest';
import { advance, harness } from '../testing/harness.ts';
import { fakeEnvironment } from '../testing/fake-environment.ts';
import { createClient } from './client.ts';
import { ClosedError } from './errors.ts';

const h = harness();

describe('connection state machine', () => {
  it('goes idle → connecting → authenticating → connected and reports the session', async () => {
    const gw = h.gateway();
    const { client, states } = h.client({ url: gw.url });
    await advance(10);
    expect(states).toEqual(['idle', 'connecting', 'authenticating', 'connected']);
    expect(client.getSnapshot()).toMatchObject({ state: 'connected', user: 'u1', session: 's1', attempt: 0 });
    expect(gw.last.received[0]).toMatchObject({ method: 'auth', params: { token: 'good' } });
  });

  it('offers the tether.v1 subprotocol', async () => {
    const protocols: unknown[] = [];
    const Native = globalThis.WebSocket;
    class Spy extends Native {
      constructor(url: string | URL, p?: string | string[]) {
        protocols.push(p);
        super(url, p);
      }
    }
    const gw = h.gateway();
    h.client({ url: gw.url, WebSocket: Spy as never });
    await advance(10);
    expect(protocols).toEqual(['tether.v1']);
  });

  it('keeps one snapshot object until something changes', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const a = client.getSnapshot();
    await advance(1000);
    expect(client.getSnapshot()).toBe(a);
    const seen = vi.fn();
    const off = client.subscribe(seen);
    gw.closeAll(1001);
    await advance(0);
    expect(seen).toHaveBeenCalled();
    expect(client.getSnapshot()).not.toBe(a);
    off();
  });

  it('emits state events with from, to, code and reason', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url, random: () => 0.5 }); // a retry that cannot land within this test's 0 ms
    await advance(10);
    const events: unknown[] = [];
    client.on('state', (e) => events.push(e));
    gw.closeAll(1011, 'boom');
    await advance(0);
    expect(events).toEqual([{ from: 'connected', to: 'reconnecting', code: 1011, reason: 'boom' }]);
  });

  it('connects by itself a microtask after creation, so listeners added right away see every transition', async () => {
    const gw = h.gateway();
    const page = fakeEnvironment();
    const client = createClient({ url: gw.url, token: 'good', environment: page.env });
    const states: string[] = [];
    client.on('state', (e) => states.push(e.to));
    expect(client.getSnapshot().state).toBe('idle');
    await advance(10);
    expect(states).toEqual(['connecting', 'authenticating', 'connected']);
    client.close();
  });

  it('does not connect before connect() when autoConnect is false', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url, autoConnect: false });
    await advance(1000);
    expect(gw.conns).toHaveLength(0);
    client.connect();
    await advance(10);
    expect(client.getSnapshot().state).toBe('connected');
  });

  it('asks a url function on every connect', async () => {
    const gw = h.gateway();
    const url = vi.fn(async () => gw.url);
    h.client({ url, random: () => 0 });
    await advance(10);
    gw.closeAll(1001);
    await advance(10);
    expect(url).toHaveBeenCalledTimes(2);
  });

  it('close() closes the socket with 1000, rejects pending calls and stops for good', async () => {
    const gw = h.gateway();
    gw.method('slow', () => new Promise(() => {}));
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const pending = client.call('slow');
    await advance(0);
    client.close();
    await expect(pending).rejects.toBeInstanceOf(ClosedError);
    await expect(client.call('slow')).rejects.toBeInstanceOf(ClosedError);
    await advance(60_000);
    expect(gw.conns).toHaveLength(1);
    expect(gw.conns[0]!.closedWith).toBe(1000);
    expect(client.getSnapshot()).toMatchObject({ state: 'closed', code: 1000 });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('reconnection', () => {
  it('reconnects after an unexpected close, including code 1000 from the server', async () => {
    const gw = h.gateway();
    const { client, states } = h.client({ url: gw.url, random: () => 0.5 });
    await advance(10);
    gw.closeAll(1000, 'bye');
    await advance(0);
    expect(client.getSnapshot()).toMatchObject({ state: 'reconnecting', code: 1000, reason: 'bye' });
    await advance(260);
    expect(states.slice(-4)).toEqual(['reconnecting', 'connecting', 'authenticating', 'connected']);
    expect(gw.conns).toHaveLength(2);
  });

  it('waits a full-jitter backoff that grows per failed attempt, spread over the restart window after the first, announced as nextRetryAt', async () => {
    const gw = h.gateway();
    gw.refuse();
    const { client } = h.client({ url: gw.url, random: () => 0.999 });
    await advance(0);
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const s = client.getSnapshot();
      expect(s.state).toBe('reconnecting');
      waits.push(Math.round((s.nextRetryAt! - Date.now()) / 100) * 100);
      await advance(s.nextRetryAt! - Date.now() + 5);
    }
    // The first retry is quick; the next ones wait up to the restart window (5 s) until the backoff outgrows it.
    expect(waits).toEqual([500, 5000, 5000, 5000, 8000, 16_000, 30_000, 30_000]);
    expect(client.getSnapshot().attempt).toBe(9);
  });

  it('never stops retrying', async () => {
    const gw = h.gateway();
    gw.refuse();
    const { client } = h.client({ url: gw.url });
    await advance(60 * 60_000);
    expect(gw.conns.length).toBeGreaterThan(100);
    expect(client.getSnapshot().state).toBe('reconnecting');
    gw.refuse(false);
    await advance(30_000);
    expect(client.getSnapshot().state).toBe('connected');
  });

  it('resets the backoff only after a stable uptime', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url, random: () => 0.999, stableAfterMs: 10_000 });
    await advance(10);
    for (let i = 0; i < 3; i++) {
      gw.closeAll(1011);
      await advance(0);
      await advance(client.getSnapshot().nextRetryAt! - Date.now() + 10);
    }
    expect(client.getSnapshot()).toMatchObject({ state: 'connected', attempt: 3 });
    gw.closeAll(1011); // up for less than 10 s: the backoff keeps growing
    await advance(0);
    expect(client.getSnapshot().nextRetryAt! - Date.now()).toBeGreaterThan(3900);
    await advance(4100);
    await advance(11_000); // now stable
    gw.closeAll(1011);
    await advance(0);
    expect(client.getSnapshot()).toMatchObject({ state: 'reconnecting', attempt: 1 });
    expect(client.getSnapshot().nextRetryAt! - Date.now()).toBeLessThan(501);
  });

  it('reconnects within the short restart window on 1012, whatever the backoff had grown to', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url, random: () => 0.999, restartWindowMs: 2000 });
    await advance(10);
    for (let i = 0; i < 5; i++) {
      gw.closeAll(1011);
      await advance(0);
      await advance(client.getSnapshot().nextRetryAt! - Date.now() + 10);
    }
    gw.closeAll(1012, 'restart');
    await advance(0);
    const wait = client.getSnapshot().nextRetryAt! - Date.now();
    expect(wait).toBeGreaterThan(1900);
    expect(wait).toBeLessThan(2000);
  });

  it('keeps spreading retries over the restart window while a restarted gateway is still down', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url, random: () => 0.999 });
    await advance(10);
    gw.refuse();
    gw.closeAll(1012, 'restart');
    await advance(0);
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      const s = client.getSnapshot();
      waits.push(Math.round((s.nextRetryAt! - Date.now()) / 100) * 100);
      await advance(s.nextRetryAt! - Date.now() + 5);
    }
    // Not back to a 500 ms cap after the first refusal: the crowd stays spread when the gateway
    // returns. The restart counts as the first failed attempt, so growth resumes at 8 s.
    expect(waits).toEqual([5000, 5000, 5000]);
    expect(client.getSnapshot().nextRetryAt! - Date.now()).toBeGreaterThan(7900);
    gw.refuse(false);
    await advance(8000);
    expect(client.getSnapshot().state).toBe('connected');
  });

  it('stops on a terminal close code (4000) and rejects pending calls', async () => {
    const gw = h.gateway();
    gw.method('slow', () => new Promise(() => {}));
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const pending = client.call('slow');
    await advance(0);
    gw.closeAll(4000, 'unsupported protocol');
    await expect(pending).rejects.toBeInstanceOf(ClosedError);
    await advance(60_000);
    expect(client.getSnapshot()).toMatchObject({ state: 'closed', code: 4000 });
    expect(gw.conns).toHaveLength(1);
  });

  it('gives up on a connection that neither opens nor authenticates within connectTimeoutMs', async () => {
    const gw = h.gateway();
    gw.silence();
    const { client } = h.client({ url: gw.url, connectTimeoutMs: 5000 });
    await advance(4999);
    expect(client.getSnapshot().state).toBe('authenticating');
    await advance(2);
    expect(client.getSnapshot()).toMatchObject({ state: 'reconnecting', code: 4008 });
    expect(gw.conns[0]!.open).toBe(false);
  });

  it('reports a socket that cannot be constructed and keeps retrying rather than throwing', async () => {
    const errors: unknown[] = [];
    class Refusing {
      constructor() {
        throw new SyntaxError('Invalid URL');
      }
    }
    const { client } = h.client({ url: 'not a url', WebSocket: Refusing as never });
    client.on('error', (e) => errors.push(e));
    await advance(10);
    expect(client.getSnapshot().state).toBe('reconnecting');
    expect(errors[0]).toBeInstanceOf(SyntaxError);
  });
});

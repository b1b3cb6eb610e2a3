import { nanoid } from 'nanoid';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryBroker } from '../broker/memory.ts';
import type { Broker } from '../broker/broker.ts';
import { createCallsRouter, RESEND_GRACE_MS } from './calls-router.ts';
import { Session, type SessionSocket } from './session.ts';

/** A session whose socket keeps the frames it was sent. */
function session(user: string) {
  const frames: Record<string, unknown>[] = [];
  const socket: SessionSocket = { send: (d) => void frames.push(JSON.parse(d)), close() {}, terminate() {}, bufferedAmount: 0 };
  const s = new Session(`c-${nanoid(6)}`, 'local', socket, { callsPerSecond: 1000, maxBufferedBytes: 1 << 20, replayStallMs: 1000 }, () => {});
  s.user = user;
  return { s, frames };
}

describe('calls router', () => {
  let broker: Broker | undefined;
  afterEach(async () => {
    vi.useRealTimers();
    await broker?.close();
  });
  const setup = (callTimeoutMs = 1000) => {
    broker = createMemoryBroker({ prefix: `router-${nanoid(6)}:` });
    return createCallsRouter({ broker, gatewayId: 'g1', callTimeoutMs });
  };

  it('answers -32003 at each call\'s deadline, with one timer for all the calls waiting', async () => {
    const router = setup(1000);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { s, frames } = session('u1');
    await router.call(s, 'a', 'nobody.serves', {});
    vi.advanceTimersByTime(400);
    await router.call(s, 'b', 'nobody.serves', {});
    await router.call(s, 'c', 'nobody.serves', {});
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(600);
    expect(frames).toEqual([{ jsonrpc: '2.0', id: 'a', error: { code: -32003, message: 'Timed out waiting for a worker' } }]);
    vi.advanceTimersByTime(400);
    expect(frames.map((f) => f.id)).toEqual(['a', 'b', 'c']);
    expect(router.size()).toBe(0);
    expect(s.pending).toBe(0);
  });

  it('remembers a call for resends until its deadline plus a grace, and no longer', async () => {
    const router = setup(1000);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { s } = session('u1');
    await router.call(s, 'a', 'nobody.serves', {});
    vi.advanceTimersByTime(1000 + RESEND_GRACE_MS - 1);
    expect(await broker!.claim('u1', 'a', 'g2', 60_000)).toMatchObject({ status: 'pending' });
    vi.advanceTimersByTime(1);
    expect(await broker!.claim('u1', 'a', 'g2', 60_000)).toEqual({ status: 'new' });
  });

  it('answers -32603 when a worker returns what JSON cannot carry, as on Redis', async () => {
    const router = setup();
    broker!.consume('w1', () => ({ result: 10n }), { methods: ['big'] });
    const { s, frames } = session('u1');
    await router.call(s, 1, 'big', {});
    await vi.waitFor(() => expect(frames).toEqual([{ jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'Reply is not JSON' } }]));
  });
});

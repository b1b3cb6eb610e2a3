import { expect, it, vi } from 'vitest';
import { NO_ANSWER } from '../testing/fake-gateway.ts';
import { advance, harness } from '../testing/harness.ts';

const h = harness();

it('leaves no timers, listeners or pending entries behind after 1,000 connect/drop cycles', async () => {
  const gw = h.gateway();
  gw.method('work', () => 'ok');
  gw.method('hang', () => NO_ANSWER);
  const { client, page } = h.client({ url: gw.url, random: () => 0, callTimeoutMs: 5000 });
  await advance(10);
  const room = client.room('lobby');
  const offMessage = room.on('message', () => {});
  await Promise.all([room.join(), advance(0)]);
  const offState = client.on('state', () => {});
  const baseline = { ...client.stats(), timers: vi.getTimerCount(), page: page.listeners() };
  expect(baseline).toMatchObject({ pending: 0, queued: 0, rooms: 1, timers: 1, page: 1 });

  const results: Promise<unknown>[] = [];
  for (let i = 0; i < 1000; i++) {
    results.push(client.call('work', { i }));
    if (i % 10 === 0) results.push(client.call('hang', { i }, { timeoutMs: 50 }).catch(() => 'timed out'));
    if (i % 7 === 0) page.goOffline();
    if (i % 7 === 0) page.goOnline();
    else gw.closeAll(i % 3 ? 1006 : 1012);
    await advance(0);
    await advance(i % 3 ? 1 : 2000);
    if (i % 100 === 0) expect(client.getSnapshot().state).toBe('connected');
  }
  await advance(100);
  const settled = await Promise.all(results);
  expect(settled.filter((r) => r === 'ok')).toHaveLength(1000);
  expect(settled.filter((r) => r === 'timed out')).toHaveLength(100);

  expect(client.getSnapshot().state).toBe('connected');
  expect(room.getSnapshot().status).toBe('joined');
  expect({ ...client.stats(), timers: vi.getTimerCount(), page: page.listeners() }).toEqual(baseline);

  offMessage();
  offState();
  room.leave();
  client.close();
  expect(client.stats()).toMatchObject({ pending: 0, queued: 0, rooms: 0 });
  expect(vi.getTimerCount()).toBe(0);
  expect(page.listeners()).toBe(0);
});

import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { createHeartbeats } from './heartbeats.ts';
import type { Session } from './session.ts';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const session = (id: number) => ({ id: `c${id}`, slot: -1 }) as unknown as Session;

it('spreads the pings of 5,000 connections evenly over the interval instead of one sweep', () => {
  const visits: number[] = [];
  let tick = 0;
  const beats = createHeartbeats({ intervalMs: 25_000, visit: () => void (visits[tick] = (visits[tick] ?? 0) + 1) });
  for (let i = 0; i < 5000; i++) beats.add(session(i));
  for (tick = 0; tick < 50; tick++) {
    visits[tick] = 0;
    vi.advanceTimersByTime(500);
  }
  // Every connection once per interval, 100 per 500 ms tick: none of the ticks carries them all.
  expect(visits.reduce((a, b) => a + b, 0)).toBe(5000);
  expect(Math.max(...visits)).toBe(100);
  beats.stop();
});

it('visits each session once per interval, and no more after it is removed', () => {
  const seen = new Map<Session, number>();
  const beats = createHeartbeats({ intervalMs: 1000, slots: 4, visit: (s) => seen.set(s, (seen.get(s) ?? 0) + 1) });
  const a = session(1);
  const b = session(2);
  beats.add(a);
  beats.add(b);
  vi.advanceTimersByTime(3000);
  expect([seen.get(a), seen.get(b)]).toEqual([3, 3]);
  beats.remove(a);
  vi.advanceTimersByTime(1000);
  expect([seen.get(a), seen.get(b)]).toEqual([3, 4]);
  beats.stop();
});

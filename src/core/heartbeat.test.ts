import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createWatchdog } from './heartbeat.ts';

describe('watchdog', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  const make = () => {
    const onDead = vi.fn();
    const onWake = vi.fn();
    const w = createWatchdog({ now: Date.now, timers: { setTimeout, clearTimeout: (h) => clearTimeout(h as number) }, jumpMs: 30_000, onDead, onWake });
    return { w, onDead, onWake };
  };

  it('declares the socket dead after the allowed silence, counted from the last frame', () => {
    const { w, onDead } = make();
    w.start(35_000);
    vi.advanceTimersByTime(20_000);
    w.feed();
    vi.advanceTimersByTime(34_999);
    expect(onDead).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onDead).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps one timer however many frames arrive', () => {
    const { w } = make();
    w.start(35_000);
    for (let i = 0; i < 1000; i++) w.feed();
    expect(vi.getTimerCount()).toBe(1);
    w.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reports a wake-up instead of a death when its timer fires far too late', () => {
    const { w, onDead, onWake } = make();
    w.start(35_000);
    vi.setSystemTime(Date.now() + 5 * 60_000);
    vi.advanceTimersByTime(35_000);
    expect(onWake).toHaveBeenCalledTimes(1);
    expect(onDead).not.toHaveBeenCalled();
  });
});

import { describe, expect, it } from 'vitest';
import { closedLoop, openLoop } from './load.ts';

const after = (ms: number) => () => new Promise((r) => setTimeout(r, ms));

describe('openLoop', () => {
  it('starts calls on schedule and never times one as faster than it was', async () => {
    const r = await openLoop(after(5), { rate: 200, durationMs: 300, warmupMs: 50 });
    expect(r.samples.length).toBe(60);
    // Each call takes about 5 ms (Node's timers may fire up to 1 ms early): no sample may be
    // much shorter, whatever the schedule did.
    expect(Math.min(...r.samples)).toBeGreaterThanOrEqual(3900);
    expect(r.errors).toBe(0);
  });

  it('counts failed calls as errors, not samples', async () => {
    let n = 0;
    const r = await openLoop(() => (n++ % 2 ? Promise.reject(new Error('x')) : Promise.resolve()), { rate: 100, durationMs: 100, warmupMs: 0 });
    expect(r.errors).toBe(5);
    expect(r.samples.length).toBe(5);
  });
});

describe('closedLoop', () => {
  it('keeps one call in flight per lane and leaves the warm-up out', async () => {
    let inFlight = 0;
    let most = 0;
    const call = async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
    };
    const r = await closedLoop([call, call, call], { durationMs: 200, warmupMs: 50 });
    expect(most).toBe(3);
    expect(Math.min(...r.samples)).toBeGreaterThanOrEqual(3900);
    // Three lanes of ~5 ms calls over 200 ms: about 120 calls counted.
    expect(r.samples.length).toBeLessThanOrEqual(160);
    expect(r.rate).toBeCloseTo(r.samples.length / 0.2);
  });
});

/**
 * Load generators for request/response benchmarks. Closed loop: each "lane" keeps one call
 * in flight and starts the next when it returns, so N lanes hold N calls in flight (the way
 * wrk and autocannon measure). Open loop: calls start on a fixed schedule whatever the
 * answers do, so a slow answer cannot hide the queueing it causes (coordinated omission).
 */
import { performance } from 'node:perf_hooks';

/** One call; resolves when its answer arrived. */
export type Call = (n: number) => Promise<unknown>;

export interface LoadResult {
  /** Round-trip times in µs of the calls that finished within the measured period. */
  samples: number[];
  /** Calls per second over the measured period. */
  rate: number;
  /** Calls that failed; any failure is reported, a benchmark of errors measures nothing. */
  errors: number;
  /** Every call made, warm-up included: what the CPU spent over the whole run paid for. */
  calls: number;
}

/**
 * `lanes[i]` is called in a closed loop; all lanes together run for `durationMs` after a
 * warm-up of `warmupMs` whose calls are not counted (JIT, connection buffers, Redis caches).
 */
export async function closedLoop(lanes: Call[], o: { durationMs: number; warmupMs: number }): Promise<LoadResult> {
  const samples: number[] = [];
  let errors = 0;
  let n = 0;
  const start = performance.now();
  const measureFrom = start + o.warmupMs;
  const end = measureFrom + o.durationMs;
  let counted = 0;
  await Promise.all(
    lanes.map(async (call) => {
      for (let t = performance.now(); t < end; ) {
        try {
          await call(n++);
        } catch {
          errors++;
        }
        const done = performance.now();
        if (t >= measureFrom && done <= end) {
          samples.push((done - t) * 1000);
          counted++;
        }
        t = done;
      }
    }),
  );
  return { samples, rate: counted / (o.durationMs / 1000), errors, calls: n };
}

/**
 * Start one call every 1/`rate` s for `durationMs` (after `warmupMs` at the same pace, not
 * counted), whatever the answers do, and wait for all of them.
 */
export async function openLoop(call: Call, o: { rate: number; durationMs: number; warmupMs: number }): Promise<LoadResult> {
  const samples: number[] = [];
  let errors = 0;
  const interval = 1000 / o.rate;
  const total = Math.round(((o.durationMs + o.warmupMs) / 1000) * o.rate);
  const warmup = Math.round((o.warmupMs / 1000) * o.rate);
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    // setTimeout is too coarse (≥1 ms) for sub-millisecond spacing: a call due within 1 ms
    // starts now. Each is timed from when it was sent: sending never waits for an answer, so
    // a slow answer cannot delay the next calls (no coordinated omission), while the timer's
    // own lateness is not the system's latency.
    if (wait > 1) await new Promise((r) => setTimeout(r, wait - 0.5));
    const from = performance.now();
    pending.push(
      call(i).then(
        () => {
          if (i >= warmup) samples.push((performance.now() - from) * 1000);
        },
        () => void errors++,
      ),
    );
  }
  await Promise.all(pending);
  return { samples, rate: samples.length / (o.durationMs / 1000), errors, calls: total };
}

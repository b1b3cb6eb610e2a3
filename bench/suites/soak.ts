/**
 * A flat memory line: Tether on the embedded broker (gateway and worker in one process) under
 * a steady 20,000 calls/s for 60 s, the server's heap read after a full GC every few seconds.
 * Everything a call leaves behind (its resend claim, its stored answer, metrics) must be
 * bounded: claims live until the call's deadline plus a grace, so the heap grows for that
 * long and then stays level. One run, not three: what it shows is a shape over time.
 */
import { performance } from 'node:perf_hooks';
import { startSystem } from '../lib/rpc-systems.ts';
import { cpuSnapshot } from '../lib/cpu.ts';
import { num, table } from '../lib/format.ts';
import { lineChart } from '../lib/svg.ts';
import { startTether } from '../lib/tether.ts';
import { defineSuite, type Target } from '../lib/types.ts';

/** Heap growth over the last third of the run, as a share of the heap then, that still counts as level. */
const LEVEL_SHARE = 0.1;
/** Calls in flight at most; more would only queue in the load generator. */
const MAX_IN_FLIGHT = 5000;

interface Sample {
  /** Seconds since the load started. */
  s: number;
  /** MiB after a full GC. */
  heapMiB: number;
  rssMiB: number;
  /** Calls answered per second since the previous sample. */
  rate: number;
}

export interface SoakResult {
  targetRate: number;
  durationS: number;
  samples: Sample[];
  /** Calls answered per second over the whole run. */
  rate: number;
  errors: number;
  /** Calls not started because `MAX_IN_FLIGHT` were waiting: the system fell behind. */
  skipped: number;
  /** µs of CPU per call, gateway + worker process. */
  serverCpuUs: number;
  clientCpuUs: number;
  callTimeoutMs: number;
}

export const soak = defineSuite<SoakResult>({
  name: 'soak',
  title: 'Flat memory under load',
  about: "The embedded broker's heap over 60 s of 20,000 calls/s: what calls leave behind must stay bounded.",
  async run(ctx) {
    const targetRate = ctx.smoke ? 200 : 20_000;
    const durationS = ctx.smoke ? 2 : 60;
    const sampleEveryS = ctx.smoke ? 0.5 : 5;
    const connections = ctx.smoke ? 2 : 8;
    // The system the RPC suite measures, reached through a process handle for the heap readings.
    const server = await startTether('memory', ctx.redisUrl);
    const sys = await startSystem('tether-memory', ctx.redisUrl, server);
    const conns = [];
    try {
      for (let i = 0; i < connections; i++) conns.push(await sys.open());
      // A second of warm-up at the same rate (JIT, buffers), not measured.
      await drive(conns, targetRate, 1, () => {});
      const heap = async () => server.gateway.request<{ rss: number; heapUsed: number }>('memory');
      const cpu = cpuSnapshot(sys.procs);
      const samples: Sample[] = [];
      const first = await heap();
      samples.push({ s: 0, heapMiB: first.heapUsed / 2 ** 20, rssMiB: first.rss / 2 ** 20, rate: 0 });
      let lastAnswered = 0;
      let lastAt = 0;
      const result = await drive(conns, targetRate, durationS, async (elapsedS, answered) => {
        if (elapsedS - lastAt < sampleEveryS) return;
        const m = await heap();
        samples.push({ s: elapsedS, heapMiB: m.heapUsed / 2 ** 20, rssMiB: m.rss / 2 ** 20, rate: (answered - lastAnswered) / (elapsedS - lastAt) });
        lastAnswered = answered;
        lastAt = elapsedS;
      });
      const perCall = cpu.perCall(result.answered);
      const last = await heap();
      samples.push({ s: durationS, heapMiB: last.heapUsed / 2 ** 20, rssMiB: last.rss / 2 ** 20, rate: (result.answered - lastAnswered) / (durationS - lastAt) });
      ctx.log(`soak: ${num(result.answered / durationS)} calls/s, heap ${samples.map((x) => num(x.heapMiB)).join(' → ')} MiB`);
      return {
        targetRate,
        durationS,
        samples,
        rate: result.answered / durationS,
        errors: result.errors,
        skipped: result.skipped,
        serverCpuUs: perCall['gateway + worker'] ?? Number.NaN,
        clientCpuUs: perCall.client ?? Number.NaN,
        callTimeoutMs: 30_000,
      };
    } finally {
      for (const c of conns) c.close();
      await sys.stop();
    }
  },

  render(r) {
    const third = r.samples.filter((x) => x.s >= (r.durationS * 2) / 3);
    const from = third[0];
    const to = r.samples.at(-1);
    const growth = from && to && from !== to ? (Math.max(...third.map((x) => x.heapMiB)) - from.heapMiB) / from.heapMiB : Number.NaN;
    const targets: Target[] = Number.isFinite(growth)
      ? [
          {
            name: `Heap level over the last third of ${r.durationS} s at ${num(r.targetRate)} calls/s (embedded broker)`,
            measured: `${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}% (${num(from!.heapMiB)} → ${num(Math.max(...third.map((x) => x.heapMiB)))} MiB, at ${num(r.rate)} calls/s)`,
            bound: `≤ +${LEVEL_SHARE * 100}%`,
            met: growth <= LEVEL_SHARE,
          },
        ]
      : [];
    const markdown = [
      `Tether on the embedded broker (gateway and worker in one process), ${num(r.targetRate)} calls/s of \`bench.echo\` started on a fixed schedule over 8 connections for ${r.durationS} s, after a second of warm-up; at most ${num(MAX_IN_FLIGHT)} in flight (more are counted as skipped, not queued). Every ${r.samples[1] ? num(r.samples[1].s) : '—'} s the server process reports its heap and RSS after a full GC (\`gc()\` twice), which is what the calls left behind. A call's resend claim and stored answer live until its deadline (${num(r.callTimeoutMs / 1000)} s) plus a 10 s grace, so the heap grows for about ${num(r.callTimeoutMs / 1000 + 10)} s and then stays level. One run: it shows a shape over time, not a figure to take the median of.`,
      '',
      `Answered ${num(r.rate)} calls/s on average (${num(r.skipped)} skipped at the in-flight cap, ${r.errors} failed); CPU per call: ${num(r.serverCpuUs)} µs in the server process, ${num(r.clientCpuUs)} µs in the load generator.`,
      '',
      table(
        ['s', 'heap MiB', 'RSS MiB', 'calls/s since the previous reading'],
        r.samples.map((x) => [num(x.s), num(x.heapMiB), num(x.rssMiB), x.s ? num(x.rate) : '—']),
      ),
      '',
      '![Heap over the run](bench/charts/soak-heap.svg)',
    ].join('\n');
    return {
      markdown,
      charts: {
        'soak-heap.svg': lineChart({
          title: `Server heap after GC, ${num(r.targetRate)} calls/s on the embedded broker`,
          xLabel: 'seconds',
          yLabel: 'MiB',
          series: [
            { name: 'heap', points: r.samples.map((x) => ({ x: x.s, y: x.heapMiB })) },
            { name: 'RSS', points: r.samples.map((x) => ({ x: x.s, y: x.rssMiB })) },
          ],
        }),
      },
      targets,
    };
  },
});

/**
 * Start `rate` calls a second for `seconds`, round-robin over `conns`, in 10 ms steps (a
 * timer per call cannot keep 20,000 a second), never more than `MAX_IN_FLIGHT` waiting.
 * `tick` runs every step with the time elapsed and the calls answered so far.
 */
async function drive(
  conns: { call(n: number): Promise<unknown> }[],
  rate: number,
  seconds: number,
  tick: (elapsedS: number, answered: number) => void | Promise<void>,
) {
  let started = 0;
  let answered = 0;
  let errors = 0;
  let skipped = 0;
  let inFlight = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let busy = false;
  await new Promise<void>((resolve) => {
    const step = setInterval(() => {
      const now = performance.now();
      const due = Math.floor(((Math.min(now, end) - t0) / 1000) * rate);
      for (; started < due; started++) {
        if (inFlight >= MAX_IN_FLIGHT) {
          skipped++;
          continue;
        }
        inFlight++;
        conns[started % conns.length]!.call(started).then(
          () => (answered++, inFlight--),
          () => (errors++, inFlight--),
        );
      }
      if (!busy) {
        busy = true;
        void Promise.resolve(tick((now - t0) / 1000, answered)).finally(() => (busy = false));
      }
      if (now >= end) {
        clearInterval(step);
        resolve();
      }
    }, 10);
  });
  while (inFlight > 0 || busy) await new Promise((r) => setTimeout(r, 10));
  return { answered, errors, skipped };
}

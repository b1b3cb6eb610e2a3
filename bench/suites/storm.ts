/**
 * Reconnect storm: 2,000 real client cores on one gateway (Redis broker), then the gateway
 * process is restarted on the same port, gracefully (SIGTERM: it closes every socket with
 * 1012) or by a crash (SIGKILL: no close frame). Measured: how long until every client is
 * back, and how bunched up the reconnects are (the most clients reconnecting within any one
 * second), which is what the client's restart window and backoff jitter are for. Each
 * repetition uses a fresh crowd; the signals alternate, so a noisy moment hits both.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { nanoid } from 'nanoid';
import { defaultBackoff, defaults } from '../../src/core/options.ts';
import { freePort } from '../../server-mock/testing/processes.ts';
import type { BackoffOptions } from '../../src/core/backoff.ts';
import { peakInWindow, perBin } from '../lib/bursts.ts';
import { startChild, type Child } from '../lib/children.ts';
import { openCrowd } from '../lib/crowd.ts';
import { num, table, withSpread } from '../lib/format.ts';
import { percentile, spreadOf } from '../lib/stats.ts';
import { lineChart } from '../lib/svg.ts';
import { dropPrefix } from '../lib/redis-cleanup.ts';
import { BENCH_ENV } from '../lib/tether.ts';
import { defineSuite, type Spread, type Target } from '../lib/types.ts';
import { waitFor } from '../lib/wait.ts';

type Signal = 'SIGTERM' | 'SIGKILL';

const BIN_MS = 250;
const WINDOW_MS = 1000;
const TARGET_ALL_BACK_MS = 10_000;
const TARGET_PEAK_SHARE = 0.4;
/** Retries this late (p99) mean the load generator, not the clients' schedule, shaped the storm. */
const LAG_WARN_MS = 100;
const LABEL: Record<Signal, string> = {
  SIGTERM: 'SIGTERM (graceful restart, close code 1012)',
  SIGKILL: 'SIGKILL (crash, no close frame)',
};

/** One repetition's figures: all numbers, so the repetitions reduce to spreads. Times in ms from the signal. */
interface Figures {
  /** Signal → the new gateway process reported ready. */
  downtimeMs: number;
  /** Signal → the old process exited. */
  exitMs: number;
  /** Signal → the last client saw its connection drop. */
  lostWithinMs: number;
  allBackMs: number;
  allBackAfterReadyMs: number;
  backP50Ms: number;
  backP90Ms: number;
  /** Most clients connected again within any 1 s window, as a share of all. */
  peakShare: number;
  failedAttempts: number;
  /** Failed attempts of the client that came back last: each one doubled the cap of its next wait. */
  lastBackFailures: number;
  /** Clients not back by the deadline. */
  missing: number;
  /** Failed attempts while the crowd was opening (they would raise those clients' backoff). */
  openFailures: number;
  /** How long a failed attempt took (p50/p99): a refused connect on loopback is ~1 ms when nothing is starved. */
  failedAttemptP50Ms: number;
  failedAttemptP99Ms: number;
  /** How much later than asked the clients' retry timers fired (p50/p99). */
  retryLateP50Ms: number;
  retryLateP99Ms: number;
  /** This process, signal → all back: is the load generator the bottleneck? */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** CPU time of this process over wall time (1 = one core busy). */
  loadCpu: number;
}

interface Rep {
  figures: Figures;
  /** Close code of the drop → clients. */
  lostCodes: Record<string, number>;
  /** Close code of a failed attempt → attempts. */
  failureCodes: Record<string, number>;
  /** Index k: clients that failed k times before getting back. */
  failuresPerClient: number[];
  /** Clients connected again per `BIN_MS` bin after the signal. */
  bins: number[];
}

interface SignalResult {
  signal: Signal;
  reps: Rep[];
  summary: Record<keyof Figures, Spread>;
}

export interface StormResult {
  clients: number;
  reps: number;
  binMs: number;
  windowMs: number;
  /** The client defaults that shape the storm. */
  client: { restartWindowMs: number; backoff: BackoffOptions };
  signals: SignalResult[];
}

/** The gateway currently running; replaced at each restart, killed at the end whatever happened. */
interface GatewayHolder {
  current?: Child;
  env: Record<string, string>;
}

/** One repetition: a fresh crowd, the signal, a new gateway on the same port, and the wait until every client is back. */
async function restartOnce(gw: GatewayHolder, signal: Signal, o: { clients: number; users: string; deadlineMs: number }): Promise<Rep> {
  const port = gw.env.PORT!;
  const crowd = await openCrowd({ url: `ws://127.0.0.1:${port}`, size: o.clients, users: o.users, batch: 200, timeoutMs: 30_000 });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  try {
    // Let the gateway finish the last batch's bookkeeping before the clock starts.
    await new Promise((r) => setTimeout(r, 300));
    const cpu = process.cpuUsage();
    const t0 = crowd.mark();
    loop.enable();
    await gw.current!.kill(signal);
    const exitMs = performance.now() - t0;
    gw.current = await startChild('tether', gw.env);
    const downtimeMs = performance.now() - t0;
    await waitFor(() => crowd.back() === o.clients, o.deadlineMs, 20);
    const wallMs = performance.now() - t0;
    loop.disable();
    const used = process.cpuUsage(cpu);

    const r = crowd.record();
    const p = (xs: number[], at: number) => percentile(Float64Array.from(xs).sort(), at);
    const backs = r.backAt.filter(Number.isFinite).sort((a, b) => a - b);
    const missing = o.clients - backs.length;
    const allBackMs = missing ? Number.NaN : backs[backs.length - 1]!;
    const failuresPerClient: number[] = [];
    for (const f of r.failures) failuresPerClient[f] = (failuresPerClient[f] ?? 0) + 1;
    return {
      figures: {
        downtimeMs,
        exitMs,
        lostWithinMs: Math.max(...r.lostAt),
        allBackMs,
        allBackAfterReadyMs: allBackMs - downtimeMs,
        backP50Ms: percentile(backs, 50),
        backP90Ms: percentile(backs, 90),
        peakShare: peakInWindow(backs, WINDOW_MS) / o.clients,
        failedAttempts: r.failures.reduce((a, b) => a + b, 0),
        lastBackFailures: missing ? Number.NaN : r.failures[r.backAt.indexOf(allBackMs)]!,
        missing,
        openFailures: crowd.openFailures(),
        failedAttemptP50Ms: p(r.failedAttemptMs, 50),
        failedAttemptP99Ms: p(r.failedAttemptMs, 99),
        retryLateP50Ms: p(r.retryLateMs, 50),
        retryLateP99Ms: p(r.retryLateMs, 99),
        loopDelayP99Ms: loop.percentile(99) / 1e6,
        loopDelayMaxMs: loop.max / 1e6,
        loadCpu: (used.user + used.system) / 1000 / wallMs,
      },
      lostCodes: r.lostCodes,
      failureCodes: r.failureCodes,
      failuresPerClient: Array.from(failuresPerClient, (n) => n ?? 0),
      bins: perBin(backs, BIN_MS),
    };
  } finally {
    loop.disable();
    crowd.close();
    // The next crowd should meet an idle gateway, not one still closing the last one's sockets.
    const idle = async () => (await gw.current!.request<{ connections: number }>('stats')).connections === 0;
    if (gw.current) await waitFor(idle, 10_000, 50).catch(() => false);
  }
}

export const storm = defineSuite<StormResult>({
  name: 'storm',
  title: 'Reconnect storm',
  about: 'Clients on one gateway while it restarts (SIGTERM, 1012) or crashes (SIGKILL): time until all are back, and the largest share reconnecting within one second.',
  async run(ctx) {
    const clients = ctx.smoke ? 30 : 2000;
    const reps = ctx.smoke ? 1 : ctx.reps;
    // A smoke run proves the code runs; each restart costs seconds, so one signal is enough.
    const signals: Signal[] = ctx.smoke ? ['SIGTERM'] : ['SIGTERM', 'SIGKILL'];
    // The gateway as shipped admits new sockets at its default rate: that is part of what is measured.
    const { UPGRADES_PER_SECOND: _, ...shipped } = BENCH_ENV;
    const env = { ...shipped, ROLE: 'gateway', REDIS_URL: ctx.redisUrl, PORT: String(await freePort()), PREFIX: `bench-${nanoid(6)}:` };
    const gw: GatewayHolder = { env };
    const results = new Map<Signal, Rep[]>(signals.map((s) => [s, []]));
    try {
      gw.current = await startChild('tether', env);
      for (let rep = 0; rep < reps; rep++) {
        for (const signal of signals) {
          const r = await restartOnce(gw, signal, { clients, users: `storm-${rep}-${signal}-`, deadlineMs: ctx.smoke ? 20_000 : 35_000 });
          results.get(signal)!.push(r);
          const f = r.figures;
          ctx.log(
            `storm: rep ${rep + 1}/${reps} ${signal}: ${clients} clients, gateway ready after ${num(f.downtimeMs)} ms, ` +
              `all back after ${num(f.allBackMs)} ms${f.missing ? ` (${f.missing} missing)` : ''}, ` +
              `peak ${num(f.peakShare * 100)}% in 1 s, ${f.failedAttempts} failed attempts, loop delay max ${num(f.loopDelayMaxMs)} ms`,
          );
        }
      }
    } finally {
      await gw.current?.kill('SIGKILL');
      await dropPrefix(ctx.redisUrl, env.PREFIX);
    }
    return {
      clients,
      reps,
      binMs: BIN_MS,
      windowMs: WINDOW_MS,
      client: { restartWindowMs: defaults.restartWindowMs, backoff: defaultBackoff },
      signals: signals.map((signal) => {
        const list = results.get(signal)!;
        return { signal, reps: list, summary: spreadOf(list.map((r) => r.figures)) };
      }),
    };
  },

  render(r) {
    const seconds = (s: Spread) => `${withSpread(s, 1 / 1000)} s`;
    const ms = (s: Spread) => `${withSpread(s)} ms`;
    const percent = (s: Spread) => `${withSpread(s, 100)}%`;
    const sections = r.signals.map((x) => {
      const s = x.summary;
      const mid = medianRep(x);
      const rows: [string, string][] = [
        ['Clients', num(r.clients)],
        ['Downtime: signal → new gateway ready', seconds(s.downtimeMs)],
        ['… of which the old process took to exit', seconds(s.exitMs)],
        ['Every client saw its connection drop within', ms(s.lostWithinMs)],
        ['**All back, counted from the signal**', `**${seconds(s.allBackMs)}**`],
        ['All back, counted from the new gateway being ready', seconds(s.allBackAfterReadyMs)],
        ['Half / 90% back, from the signal', `${seconds(s.backP50Ms)} / ${seconds(s.backP90Ms)}`],
        ['**Largest share reconnecting within any 1 s**', `**${percent(s.peakShare)}**`],
        ['Failed connection attempts during the storm', withSpread(s.failedAttempts)],
        ['Clients by failed attempts before getting back (median rep)', byFailures(mid.failuresPerClient)],
        ['Failed attempts of the last client back', withSpread(s.lastBackFailures)],
        ['Close code seen when the connection dropped', shares(sum(x.reps.map((p) => p.lostCodes)))],
        ['Close code of the failed attempts', shares(sum(x.reps.map((p) => p.failureCodes))) || '—'],
        ['Clients not back by the deadline', withSpread(s.missing)],
        ['A failed attempt took, p50 / p99', `${ms(s.failedAttemptP50Ms)} / ${ms(s.failedAttemptP99Ms)}`],
        ['Load generator (this process): retries started late by, p50 / p99', `${ms(s.retryLateP50Ms)} / ${ms(s.retryLateP99Ms)}`],
        ['Load generator: event-loop delay p99 / max', `${ms(s.loopDelayP99Ms)} / ${ms(s.loopDelayMaxMs)}`],
        ['Load generator: CPU (1 = one core)', withSpread(s.loadCpu)],
      ];
      if (s.openFailures.max > 0) rows.push(['Failed attempts while opening the crowd (raise the backoff)', withSpread(s.openFailures)]);
      const lagging =
        s.retryLateP99Ms.max > LAG_WARN_MS
          ? `\n\nThe load generator fell behind in this storm (retries up to ${num(s.retryLateP99Ms.max)} ms late at p99): reconnect ` +
            `times are then bunched by this process's own stalls, and slow failed attempts space the retries out, so the ` +
            `largest share is overstated and the time until all are back may be understated.`
          : '';
      return `**${LABEL[x.signal]}**\n\n${table(['', `median (min–max) of ${x.reps.length}`], rows)}${lagging}`;
    });

    const chart = lineChart({
      title: `Reconnects after a gateway restart (${num(r.clients)} clients, per ${r.binMs} ms, median rep)`,
      xLabel: 'seconds since the signal',
      yLabel: `clients reconnected per ${r.binMs} ms`,
      series: r.signals.map((x) => {
        const rep = medianRep(x);
        const bins = [...rep.bins, 0]; // close the line at zero after the last reconnect
        return {
          name: `${x.signal} (new gateway ready at ${num(rep.figures.downtimeMs / 1000)} s)`,
          points: bins.map((y, k) => ({ x: ((k + 0.5) * r.binMs) / 1000, y })),
        };
      }),
    });

    const targets: Target[] = r.signals.flatMap((x) => {
      const s = x.summary;
      const missing = s.missing.max > 0;
      return [
        {
          name: `Storm, ${x.signal}: all ${num(r.clients)} clients back within 10 s of the restart`,
          measured: missing
            ? `${num(s.missing.max)} clients not back`
            : `${num(s.allBackMs.max / 1000)} s worst of ${x.reps.length} (median ${num(s.allBackMs.median / 1000)} s)`,
          bound: `≤ ${TARGET_ALL_BACK_MS / 1000} s`,
          met: !missing && s.allBackMs.max <= TARGET_ALL_BACK_MS,
        },
        {
          name: `Storm, ${x.signal}: no second with more than 40% of the clients reconnecting`,
          measured: `${num(s.peakShare.max * 100)}% worst of ${x.reps.length} (median ${num(s.peakShare.median * 100)}%)`,
          bound: `≤ ${TARGET_PEAK_SHARE * 100}%`,
          met: s.peakShare.max <= TARGET_PEAK_SHARE,
        },
      ];
    });

    const b = r.client.backoff;
    const markdown = [
      `${num(r.clients)} client cores (Node, on \`ws\`, one user each, in the benchmark process) connected to one gateway ` +
        `process on the Redis broker; the gateway is then sent the signal, and as soon as it has exited a new gateway process ` +
        `starts on the same port, as a supervisor would restart it. Each client asks its token function on every attempt; ` +
        `it returns the token signed for that client at the start, as a browser returns the one it got at login. ` +
        `"Back" is the client's own \`connected\` state (socket open and authenticated). The largest share is counted over a ` +
        `sliding ${r.windowMs / 1000} s window on the reconnect times, not fixed buckets. Client defaults: full-jitter backoff, ` +
        `uniform below ${num(b.initialMs)} ms × ${b.factor}^attempt (cap ${num(b.maxMs / 1000)} s) with the cap raised to the ` +
        `restart window (${num(r.client.restartWindowMs)} ms) for every retry but the first after a drop, and for the first ` +
        `one after a 1012 too.`,
      ...sections,
      `![Reconnects per ${r.binMs} ms after the restart](bench/charts/storm.svg)`,
    ].join('\n\n');
    return { markdown, charts: { 'storm.svg': chart }, targets };
  },
});

/** The repetition whose "all back" time is the median (the lower middle of an even count; missing clients count as slowest). */
function medianRep(x: SignalResult): Rep {
  const key = (p: Rep) => (Number.isFinite(p.figures.allBackMs) ? p.figures.allBackMs : Number.POSITIVE_INFINITY);
  const sorted = [...x.reps].sort((a, b) => key(a) - key(b));
  return sorted[(sorted.length - 1) >> 1]!;
}

/** Counts added up key by key. */
function sum(counts: Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of counts) for (const [k, n] of Object.entries(c)) out[k] = (out[k] ?? 0) + n;
  return out;
}

/** `{1012: 1990, 1006: 10}` → "1012 (99.5%), 1006 (0.5%)", largest first. */
function shares(counts: Record<string, number>): string {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} (${num((n / total) * 100)}%)`)
    .join(', ');
}

/** `[5, 10, 5]` → "0: 25%, 1: 50%, 2: 25%" (failed attempts: share of the clients). */
function byFailures(clients: number[]): string {
  const total = clients.reduce((a, b) => a + b, 0);
  return clients.map((n, k) => `${k}: ${num((n / total) * 100)}%`).join(', ');
}

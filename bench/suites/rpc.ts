/**
 * RPC round trip: the client core (in Node, on `ws`) → gateway → worker → back, on the
 * embedded broker and on Redis, beside the floors each one is built on (a raw `ws` echo; a
 * bare Redis round trip from the same stream commands), socket.io's emit-with-ack, and the
 * seed design's per-call `LPUSH`/`BLPOP` reply path. Repetitions interleave the systems, so
 * a noisy moment of the machine hits all of them, not one.
 */
import { latency, curve, CURVE_POINTS, spread, spreadOf } from '../lib/stats.ts';
import { closedLoop, openLoop, type LoadResult } from '../lib/load.ts';
import { startSystem, type Connection, type System, type SystemName } from '../lib/rpc-systems.ts';
import { barChart, lineChart } from '../lib/svg.ts';
import { num, ratio, table, withSpread } from '../lib/format.ts';
import { defineSuite, type Spread, type Target } from '../lib/types.ts';
import { cpuSnapshot } from '../lib/cpu.ts';

type ScenarioName = 'sequential' | 'inflight100' | 'connections100' | 'paced1000';

interface Scenario {
  name: ScenarioName;
  title: string;
  systems: SystemName[];
  run(conns: Connection[], o: { durationMs: number; warmupMs: number; smoke: boolean }): Promise<LoadResult>;
}

const ALL: SystemName[] = ['tether-memory', 'ws', 'socket.io', 'tether-redis', 'redis-stream', 'redis-blpop'];
const LABEL: Record<SystemName, string> = {
  'tether-memory': 'Tether, embedded broker',
  ws: 'raw ws echo (floor)',
  'socket.io': 'socket.io emit-with-ack',
  'tether-redis': 'Tether, Redis broker',
  'redis-stream': 'bare Redis streams (floor)',
  'redis-blpop': 'seed LPUSH/BLPOP path',
};

const repeat = <T>(n: number, f: (i: number) => T) => Array.from({ length: n }, (_, i) => f(i));

const scenarios: Scenario[] = [
  {
    name: 'sequential',
    title: '1 connection, 1 call at a time',
    systems: ALL,
    run: (c, o) => closedLoop([c[0]!.call], o),
  },
  {
    name: 'inflight100',
    title: '1 connection, 100 calls in flight',
    systems: ALL,
    run: (c, o) => closedLoop(repeat(100, () => c[0]!.call), o),
  },
  {
    name: 'connections100',
    title: '100 connections, 1 call in flight each',
    // The Redis floors have no client connections: their "100 in flight" row is the comparison.
    systems: ['tether-memory', 'ws', 'socket.io', 'tether-redis'],
    run: (c, o) => closedLoop(c.slice(0, 100).map((conn) => conn.call), o),
  },
  {
    name: 'paced1000',
    title: '1 connection, 1,000 calls/s on a fixed schedule',
    systems: ['tether-memory', 'ws', 'tether-redis', 'redis-stream'],
    run: (c, o) => openLoop(c[0]!.call, { rate: o.smoke ? 200 : 1000, durationMs: o.durationMs, warmupMs: o.warmupMs }),
  },
];

interface Row {
  system: SystemName;
  scenario: ScenarioName;
  p50: Spread;
  p95: Spread;
  p99: Spread;
  rate: Spread;
  errors: number;
  calls: number;
  /** Latency (µs) at each of `CURVE_POINTS`, over the repetitions. */
  curve: Spread[];
  /** µs of CPU per call in each process (client, gateway, worker, Redis, server), over the repetitions. */
  cpu?: Record<string, Spread>;
}

export interface RpcResult {
  durationMs: number;
  warmupMs: number;
  reps: number;
  rows: Row[];
}

export const rpc = defineSuite<RpcResult>({
  name: 'rpc',
  title: 'RPC round trip',
  about: 'Latency percentiles and calls/s of one method call, Tether beside raw ws, socket.io and bare Redis.',
  async run(ctx) {
    const durationMs = ctx.smoke ? 300 : 2000;
    const warmupMs = ctx.smoke ? 100 : 500;
    const connectionsNeeded = ctx.smoke ? 4 : 100;
    const systems = new Map<SystemName, { system: System; conns: Connection[] }>();
    const reps = new Map<string, { result: LoadResult; cpu: Record<string, number> }[]>();
    try {
      for (const name of ALL) {
        ctx.log(`rpc: starting ${name}`);
        const system = await startSystem(name, ctx.redisUrl);
        systems.set(name, { system, conns: [] });
        const needs = scenarios.some((s) => s.name === 'connections100' && s.systems.includes(name)) ? connectionsNeeded : 1;
        for (let i = 0; i < needs; i++) systems.get(name)!.conns.push(await system.open());
      }
      for (let rep = 0; rep < ctx.reps; rep++) {
        for (const scenario of scenarios) {
          for (const name of scenario.systems) {
            const { system, conns } = systems.get(name)!;
            const cpu = cpuSnapshot(system.procs);
            const result = await scenario.run(conns, { durationMs, warmupMs, smoke: ctx.smoke });
            const key = `${scenario.name}/${name}`;
            reps.set(key, [...(reps.get(key) ?? []), { result, cpu: cpu.perCall(result.calls) }]);
            const l = latency(result.samples);
            ctx.log(`rpc: rep ${rep + 1}/${ctx.reps} ${key}: p50 ${num(l.p50)} µs, ${num(result.rate)} calls/s${result.errors ? `, ${result.errors} errors` : ''}`);
          }
        }
      }
    } finally {
      for (const { system, conns } of systems.values()) {
        for (const c of conns) c.close();
        await system.stop();
      }
    }
    const rows: Row[] = [];
    for (const scenario of scenarios) {
      for (const system of scenario.systems) {
        const runs = reps.get(`${scenario.name}/${system}`) ?? [];
        const per = runs.map(({ result }) => ({ ...latency(result.samples), rate: result.rate }));
        const curves = runs.map(({ result }) => curve(result.samples));
        const roles = Object.keys(runs[0]?.cpu ?? {});
        rows.push({
          system,
          scenario: scenario.name,
          ...spreadOf(per),
          errors: runs.reduce((n, { result }) => n + result.errors, 0),
          calls: runs.reduce((n, { result }) => n + result.samples.length, 0),
          curve: CURVE_POINTS.map((_, i) => spread(curves.map((c) => c[i]!))),
          cpu: Object.fromEntries(roles.map((role) => [role, spread(runs.map((r) => r.cpu[role] ?? Number.NaN))])),
        } as Row);
      }
    }
    return { durationMs, warmupMs, reps: ctx.reps, rows };
  },

  render(r) {
    const row = (scenario: ScenarioName, system: SystemName) => r.rows.find((x) => x.scenario === scenario && x.system === system);
    const floorOf: Partial<Record<SystemName, SystemName>> = {
      'tether-memory': 'ws',
      'socket.io': 'ws',
      'tether-redis': 'redis-stream',
      'redis-blpop': 'redis-stream',
    };
    const sections = scenarios.map((s) => {
      const rows = s.systems.flatMap((system) => {
        const x = row(s.name, system);
        if (!x) return [];
        const floor = floorOf[system] && row(s.name, floorOf[system]!);
        const vs = floor ? `${ratio(x.p50.median / floor.p50.median)} / ${ratio(x.rate.median / floor.rate.median)}` : '—';
        return [[LABEL[system], withSpread(x.p50), withSpread(x.p95), withSpread(x.p99), withSpread(x.rate), vs, String(x.errors)]];
      });
      return [
        `#### ${s.title}`,
        '',
        table(['system', 'p50 µs', 'p95 µs', 'p99 µs', 'calls/s', 'p50 / calls/s vs floor', 'errors'], rows),
      ].join('\n');
    });

    const targets: Target[] = [];
    const target = (name: string, value: number | undefined, bound: number, kind: 'max' | 'min', show: (v: number) => string, boundText: string) => {
      if (value === undefined || !Number.isFinite(value)) return;
      targets.push({ name, measured: show(value), bound: boundText, met: kind === 'max' ? value <= bound : value >= bound });
    };
    const p50 = (sc: ScenarioName, sys: SystemName) => row(sc, sys)?.p50.median;
    const rate = (sc: ScenarioName, sys: SystemName) => row(sc, sys)?.rate.median;
    const div = (a?: number, b?: number) => (a !== undefined && b !== undefined ? a / b : undefined);
    target('Embedded broker: p50 round trip vs raw ws echo', div(p50('sequential', 'tether-memory'), p50('sequential', 'ws')), 1.5, 'max', ratio, '≤ 1.50×');
    target('Embedded broker: calls/s with 100 in flight vs raw ws echo', div(rate('inflight100', 'tether-memory'), rate('inflight100', 'ws')), 0.7, 'min', ratio, '≥ 0.70×');
    target('Redis broker: p50 round trip vs bare Redis streams', div(p50('sequential', 'tether-redis'), p50('sequential', 'redis-stream')), 1.3, 'max', ratio, '≤ 1.30×');
    target('Redis broker: calls/s with 100 in flight vs seed BLPOP path', div(rate('inflight100', 'tether-redis'), rate('inflight100', 'redis-blpop')), 2, 'min', ratio, '≥ 2.00×');
    target('Redis broker: p95 at 1,000 calls/s', row('paced1000', 'tether-redis')?.p95.median, 2000, 'max', (v) => `${num(v / 1000)} ms`, '< 2 ms');
    const p99 = (sc: ScenarioName, sys: SystemName) => row(sc, sys)?.p99.median;
    target('Embedded broker: calls/s, 1 connection × 100 in flight, vs socket.io', div(rate('inflight100', 'tether-memory'), rate('inflight100', 'socket.io')), 1, 'min', ratio, '≥ 1.00×');
    target('Embedded broker: calls/s, 100 connections × 1 in flight, vs socket.io', div(rate('connections100', 'tether-memory'), rate('connections100', 'socket.io')), 1, 'min', ratio, '≥ 1.00×');
    target('Embedded broker: sequential p50 vs socket.io', div(p50('sequential', 'tether-memory'), p50('sequential', 'socket.io')), 1, 'max', ratio, '≤ 1.00×');
    target('Redis broker: calls/s with 100 in flight vs bare Redis streams', div(rate('inflight100', 'tether-redis'), rate('inflight100', 'redis-stream')), 0.6, 'min', ratio, '≥ 0.60×');
    target('Redis broker: sequential p50 vs bare Redis streams', div(p50('sequential', 'tether-redis'), p50('sequential', 'redis-stream')), 1.5, 'max', ratio, '≤ 1.50×');
    target('Embedded broker: p99 at 1,000 calls/s vs raw ws echo', div(p99('paced1000', 'tether-memory'), p99('paced1000', 'ws')), 2, 'max', ratio, '≤ 2.00×');
    target('Redis broker: p99 at 1,000 calls/s vs bare Redis streams', div(p99('paced1000', 'tether-redis'), p99('paced1000', 'redis-stream')), 1.5, 'max', ratio, '≤ 1.50×');
    const serverCpu = (sc: ScenarioName, sys: SystemName) => {
      const cpu = row(sc, sys)?.cpu;
      if (!cpu) return undefined;
      const server = Object.entries(cpu).filter(([role]) => role !== 'client' && role !== 'Redis');
      return server.length ? server.reduce((n, [, v]) => n + v.median, 0) : undefined;
    };
    const cpuVsSio = div(serverCpu('inflight100', 'tether-memory'), serverCpu('inflight100', 'socket.io'));
    if (cpuVsSio !== undefined && Number.isFinite(cpuVsSio)) {
      targets.push({
        name: 'CPU per call, 100 in flight: embedded gateway + worker vs socket.io server per ack',
        measured: `${ratio(cpuVsSio)} (${num(serverCpu('inflight100', 'tether-memory')!)} vs ${num(serverCpu('inflight100', 'socket.io')!)} µs)`,
        bound: '≤ 1.00×',
        met: cpuVsSio <= 1,
      });
    }

    const distribution = (scenario: ScenarioName, title: string) =>
      lineChart({
        title,
        xLabel: 'percentile',
        yLabel: 'round trip (µs)',
        xScale: 'percentile',
        yScale: 'log',
        series: scenarios
          .find((s) => s.name === scenario)!
          .systems.flatMap((system) => {
            const x = row(scenario, system);
            if (!x) return [];
            return [{ name: LABEL[system], points: x.curve.map((c, i) => ({ x: CURVE_POINTS[i]!, y: c.median, low: c.min, high: c.max })) }];
          }),
      });
    const throughput = barChart({
      title: 'Calls per second (median of repetitions, whiskers min–max)',
      unit: 'calls/s',
      groups: scenarios
        .filter((s) => s.name !== 'paced1000')
        .map((s) => ({
          label: s.title,
          bars: s.systems.flatMap((system) => {
            const x = row(s.name, system);
            return x ? [{ name: LABEL[system], value: x.rate.median, low: x.rate.min, high: x.rate.max }] : [];
          }),
        })),
    });

    const cpuRows = scenarios.flatMap((sc) =>
      sc.systems.flatMap((system) => {
        const cpu = row(sc.name, system)?.cpu;
        if (!cpu || !Object.keys(cpu).length) return [];
        const entries = Object.entries(cpu);
        const servers = entries.filter(([role]) => role !== 'client');
        const total = (list: [string, Spread][]) => num(list.reduce((n, [, v]) => n + v.median, 0));
        return [[
          sc.title,
          LABEL[system],
          cpu.client ? withSpread(cpu.client) : '—',
          servers.map(([role, v]) => `${role} ${withSpread(v)}`).join('<br>') || '—',
          total(servers.filter(([role]) => role !== 'Redis')),
          total(entries),
        ]];
      }),
    );
    const cpuSection = cpuRows.length
      ? [
          '#### CPU per call',
          '',
          'µs of CPU (user + system) per call in each process, over the whole repetition (warm-up included) divided by the calls made in it: the benchmark process (the client side) from `process.cpuUsage()`, every other process from `/proc/<pid>/stat`. On two shared cores the calls/s above blur (the processes take turns); this is what each call costs wherever it runs. "Servers" adds the server processes other than Redis (the gateway and worker, or the peer\'s server); Redis, when it runs on this machine, is read the same way.',
          '',
          table(['scenario', 'system', 'client µs', 'server processes µs', 'servers µs', 'all µs'], cpuRows),
          '',
        ].join('\n')
      : '';

    const markdown = [
      `Each figure is the median of ${r.reps} repetitions with (min–max); each repetition runs ${r.durationMs / 1000} s after a ${r.warmupMs} ms warm-up, the systems taking turns.`,
      'The client is in the benchmark process; every server (gateway, worker, floors) is a child process of its own, all on 127.0.0.1.',
      'Tether runs its shipped composition (`server-mock/app.ts`) with the per-connection rate limit lifted (see `bench/lib/tether.ts`); on Redis the gateway and the worker are separate processes.',
      'The call is `bench.echo` with a ~60-byte payload whose params and result the worker validates with zod; the floors echo the same payload without validating it.',
      'The bare Redis floor is the request/reply path from the same stream commands Tether uses (XADD → XREADGROUP → XADD reply + XACK → XREAD + XDEL), without idempotency, validation or the WebSocket hop.',
      '',
      ...sections.flatMap((s) => [s, '']),
      ...(cpuSection ? [cpuSection] : []),
      '![Round-trip latency, one call at a time](bench/charts/rpc-latency-sequential.svg)',
      '',
      '![Round-trip latency, 100 calls in flight](bench/charts/rpc-latency-inflight.svg)',
      '',
      '![Calls per second](bench/charts/rpc-throughput.svg)',
    ].join('\n');
    return {
      markdown,
      charts: {
        'rpc-latency-sequential.svg': distribution('sequential', 'Round trip, 1 connection, 1 call at a time'),
        'rpc-latency-inflight.svg': distribution('inflight100', 'Round trip, 1 connection, 100 calls in flight'),
        'rpc-throughput.svg': throughput,
      },
      targets,
    };
  },
});


/**
 * Memory per idle connection: what the server process grows by per open, idle connection
 * (RSS and V8 heap after a full GC), Tether's gateway with authenticated connections beside
 * a raw `ws` server and a socket.io server. Each repetition starts fresh servers; the
 * figure is the marginal cost of N connections on top of a warmed-up server.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startChild, type Child } from '../lib/children.ts';
import { mark, num, ratio, table, withSpread } from '../lib/format.ts';
import { connectSocketIo } from '../lib/sio-client.ts';
import { spread } from '../lib/stats.ts';
import { lineChart } from '../lib/svg.ts';
import { benchToken, startTether } from '../lib/tether.ts';
import { defineSuite, type Spread, type Target } from '../lib/types.ts';
import { connectRaw, connectWire, openMany } from '../lib/wire-client.ts';

type ServerName = 'tether' | 'ws' | 'socket.io';
const SERVERS: ServerName[] = ['tether', 'ws', 'socket.io'];
const LABEL: Record<ServerName, string> = {
  tether: 'Tether gateway (authenticated)',
  ws: 'raw ws',
  'socket.io': 'socket.io',
};
const BOUND = 1.5;
/** Met or not as the report shows the ratio (two decimals). */
const within = (q: number) => Number(q.toFixed(2)) <= BOUND;
const KIB = 1024;
/** The young generation pinned small and never shrunk while idle (why: in the rendered text). */
const V8_FLAGS = '--min-semi-space-size=4 --max-semi-space-size=4 --no-memory-reducer';
const SERVER_ENV = { V8_FLAGS };

export interface MemoryRow {
  server: ServerName;
  n: number;
  /** Bytes per connection, one figure per repetition. */
  rssReps: number[];
  heapReps: number[];
  rss: Spread;
  heap: Spread;
}

export interface MemoryResult {
  sizes: number[];
  reps: number;
  /** Connections opened, and kept open, before the baseline reading. */
  warm: number;
  settleMs: number;
  /** V8 flags every server ran with. */
  v8Flags: string;
  rows: MemoryRow[];
}

interface Reading {
  rss: number;
  heapUsed: number;
}

/** A server under test: open one idle connection, and (for teardown) close them all. */
interface Subject {
  child: Child;
  open(i: number): Promise<unknown>;
  closeAll(): void;
}

export const memory = defineSuite<MemoryResult>({
  name: 'memory',
  title: 'Memory per idle connection',
  about: 'RSS and heap per idle connection at 1,000 and 5,000 connections: Tether gateway beside raw ws and socket.io.',
  async run(ctx) {
    const sizes = ctx.smoke ? [50] : [1000, 5000];
    const warm = ctx.smoke ? 10 : 500;
    const settleMs = ctx.smoke ? 200 : 1000;
    // Tokens are signed once: the users are the same in every repetition, on fresh servers.
    const maxN = Math.max(...sizes) + warm;
    const tokens = await Promise.all(Array.from({ length: maxN }, (_, i) => benchToken(`mem-${i}`)));
    const perRep = new Map<string, { rss: number; heap: number }[]>();
    for (let rep = 0; rep < ctx.reps; rep++) {
      // Fresh servers, started together (idle, they cost each other nothing), measured one at a time.
      const subjects = await startSubjects(ctx.redisUrl, tokens);
      try {
        for (const [name, subject] of subjects) {
          for (const m of await measure(subject, sizes, warm, settleMs)) {
            const key = `${name}/${m.n}`;
            perRep.set(key, [...(perRep.get(key) ?? []), m]);
            ctx.log(`memory: rep ${rep + 1}/${ctx.reps} ${LABEL[name]}, ${m.n} connections: RSS ${num(m.rss / KIB)} KiB, heap ${num(m.heap / KIB)} KiB per connection`);
          }
          subject.closeAll();
          await subject.child.kill();
        }
      } finally {
        for (const subject of subjects.values()) {
          subject.closeAll();
          await subject.child.kill();
        }
      }
    }
    const rows = sizes.flatMap((n) =>
      SERVERS.map((server): MemoryRow => {
        const reps = perRep.get(`${server}/${n}`) ?? [];
        const rssReps = reps.map((r) => r.rss);
        const heapReps = reps.map((r) => r.heap);
        return { server, n, rssReps, heapReps, rss: spread(rssReps), heap: spread(heapReps) };
      }),
    );
    return { sizes, reps: ctx.reps, warm, settleMs, v8Flags: V8_FLAGS, rows };
  },

  render(r) {
    const row = (server: ServerName, n: number) => r.rows.find((x) => x.server === server && x.n === n);
    const kib = (s: Spread) => withSpread(s, 1 / KIB);
    const tableRows = r.rows.map((x) => {
      const floor = row('ws', x.n);
      const vs = (a: number, b: number | undefined) => (x.server === 'ws' || b === undefined ? '—' : ratio(a / b));
      return [LABEL[x.server], num(x.n), kib(x.rss), kib(x.heap), vs(x.rss.median, floor?.rss.median), vs(x.heap.median, floor?.heap.median)];
    });
    const targets: Target[] = r.sizes.flatMap((n) => {
      const t = row('tether', n);
      const w = row('ws', n);
      if (!t || !w) return [];
      const q = t.rss.median / w.rss.median;
      return [{ name: `Memory: RSS per idle authenticated connection at ${num(n)} connections vs raw ws`, measured: `${ratio(q)} (${num(t.rss.median / KIB)} KiB)`, bound: `≤ ${BOUND.toFixed(2)}× raw ws`, met: within(q) }];
    });
    const chart = (field: 'rss' | 'heap', title: string) =>
      lineChart({
        title,
        xLabel: 'idle connections',
        yLabel: 'KiB per connection',
        xTicks: r.sizes.map((n) => ({ value: n, label: num(n) })),
        series: SERVERS.map((server) => ({
          name: LABEL[server],
          points: r.rows.filter((x) => x.server === server).map((x) => ({ x: x.n, y: x[field].median / KIB, low: x[field].min / KIB, high: x[field].max / KIB })),
        })),
      });
    const targetCells = r.sizes.map((n) => {
      const t = row('tether', n);
      const w = row('ws', n);
      return t && w ? `${num(n)}: ${mark(within(t.rss.median / w.rss.median))}` : '';
    });
    const markdown = [
      `Each server runs in a process of its own and is read after a full GC (\`gc()\` twice, then \`process.memoryUsage()\`): RSS, and the V8 heap in use.`,
      `Per connection is (reading with N more idle connections − baseline) / N, so one-time costs do not count: a fresh server first takes ${num(r.warm)} connections and keeps them open (code compiled and optimised, pools, maps and sets grown), the baseline is read, N more connections open, and after ${r.settleMs / 1000} s the second reading is taken; the figure for N is thus the cost of the N connections opened after the first ${num(r.warm)}. The warm-up connections stay open rather than closing, so that memory they freed cannot be reused by the measured ones and flatter the figure. Every server runs with \`${r.v8Flags}\`: V8 otherwise resizes its young generation with the allocation rate (up to 2 × 16 MiB), pages it in as it is first used and hands pages back when idle, tens of MiB that move RSS in one reading or another and that no connection holds; pinned small (and paged in by the warm-up), it no longer moves the readings. It changes how often a server scavenges, not what an idle connection keeps.`,
      `Tether's connections are authenticated (a JWT each, distinct users, so each has its own user subscription and expiry timers), as every real client is; raw \`ws\` connections are bare sockets; socket.io's come from \`socket.io-client\` on the WebSocket transport. Each figure is the median of ${r.reps} repetitions (min–max), each on fresh servers, which grow from the baseline to ${r.sizes.map(num).join(' and then ')} connections, read at each.`,
      `RSS is what the machine pays (it includes what each socket holds outside V8); the heap column is the JavaScript objects alone, and the steadier of the two: RSS moves by whole pages and with what the allocators keep, so at 1,000 connections a few KiB per connection either way is noise.`,
      '',
      table(['server', 'connections', 'RSS KiB/conn', 'heap KiB/conn', 'RSS vs raw ws', 'heap vs raw ws'], tableRows),
      '',
      `Target: RSS per idle authenticated connection ≤ ${BOUND}× raw ws (${targetCells.join(', ')}).`,
      '',
      '![RSS per idle connection](bench/charts/memory.svg)',
      '',
      '![Heap per idle connection](bench/charts/memory-heap.svg)',
    ].join('\n');
    return {
      markdown,
      charts: {
        'memory.svg': chart('rss', 'RSS per idle connection (median, whiskers min–max)'),
        'memory-heap.svg': chart('heap', 'V8 heap per idle connection (median, whiskers min–max)'),
      },
      targets,
    };
  },
});

/**
 * Bytes per connection of N idle connections on top of `warm` already open, for each N of
 * `sizes` (ascending): one server grows through them, read at each.
 */
async function measure(subject: Subject, sizes: number[], warm: number, settleMs: number) {
  await openMany(warm, (i) => subject.open(i));
  const before = await subject.child.request<Reading>('memory');
  const out: { n: number; rss: number; heap: number }[] = [];
  let open = 0;
  for (const n of sizes) {
    const from = warm + open;
    await openMany(n - open, (i) => subject.open(from + i));
    open = n;
    await sleep(settleMs);
    const after = await subject.child.request<Reading>('memory');
    out.push({ n, rss: (after.rss - before.rss) / n, heap: (after.heapUsed - before.heapUsed) / n });
  }
  return out;
}

/** The three servers, fresh; stops those that started if one did not. */
async function startSubjects(redisUrl: string, tokens: string[]): Promise<Map<ServerName, Subject>> {
  const started = await Promise.allSettled([startTether('memory', redisUrl, SERVER_ENV), startChild('ws-echo', SERVER_ENV), startChild('socketio', SERVER_ENV)] as const);
  const [tether, ws, socketIo] = started;
  if (tether.status === 'rejected' || ws.status === 'rejected' || socketIo.status === 'rejected') {
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? ('stop' in s.value ? s.value.stop() : s.value.kill()) : undefined)));
    throw started.find((s): s is PromiseRejectedResult => s.status === 'rejected')!.reason;
  }
  return new Map<ServerName, Subject>([
    ['tether', subject(tether.value.gateway, (i) => connectWire(tether.value.url, tokens[i]!), (c) => c.ws.terminate())],
    ['ws', subject(ws.value, () => connectRaw(`ws://127.0.0.1:${ws.value.port}`), (c) => c.terminate())],
    ['socket.io', subject(socketIo.value, () => connectSocketIo(`http://127.0.0.1:${socketIo.value.port}`), (c) => c.close())],
  ]);
}

/** A server whose connections `open(i)` makes and `close(c)` drops, all remembered so they can be dropped together. */
function subject<C>(child: Child, open: (i: number) => Promise<C>, close: (c: C) => void): Subject {
  const opened: C[] = [];
  return {
    child,
    open: async (i) => opened.push(await open(i)),
    closeAll: () => opened.splice(0).forEach(close),
  };
}

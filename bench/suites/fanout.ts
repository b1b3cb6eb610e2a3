/**
 * Fan-out: one broadcast and one room message to N connections, timed from just before the
 * publish until the last client has it, beside a raw `ws` server sending exactly the bytes
 * the Tether clients received to as many sockets. Each Tether case alternates with the raw
 * `ws` floor on the same machine moment (both sets of sockets open at once), so the ratio,
 * the headline, is what noise cancels out of. socket.io (`io.emit`) and Tether on Redis
 * (a pub/sub hop) are there for scale.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WebSocket } from 'ws';
import { createArrivals, type Arrivals } from '../lib/arrivals.ts';
import { startChild, type Child } from '../lib/children.ts';
import { mark, num, ratio, table, withSpread } from '../lib/format.ts';
import { connectSocketIoWire } from '../lib/sio-client.ts';
import { spread } from '../lib/stats.ts';
import { lineChart } from '../lib/svg.ts';
import { benchToken, startTether, type TetherUnderTest } from '../lib/tether.ts';
import { defineSuite, type Spread, type Target } from '../lib/types.ts';
import { connectRaw, connectWire, openMany, type WireConnection } from '../lib/wire-client.ts';

type CaseName = 'broadcast' | 'room' | 'socket.io' | 'redis';

const LABEL: Record<CaseName, string> = {
  broadcast: 'Tether broadcast',
  room: 'Tether room message',
  'socket.io': 'socket.io io.emit',
  redis: 'Tether broadcast, Redis broker',
};
/** The cases the target is about; socket.io and Redis are there for scale. */
const TARGETED: CaseName[] = ['broadcast', 'room'];
const BOUND = 1.2;
/** Met or not as the report shows the ratio (two decimals), so a "1.20×" never reads as missed. */
const within = (q: number) => Number(q.toFixed(2)) <= BOUND;

/** Distinct users among the room's connections: each new user in a room is announced to every member, N users would be O(N²) frames. */
const ROOM_USERS = 50;
const ROOM = 'bench-fanout';
/** After every message: the last arrival's tail (GC, socket buffers) must not spill into the next. */
const SETTLE_MS = 50;
const TEXT = 'the quick brown fox jumps over the lazy dog';
const BROADCAST_BODY = { type: 'bench.tick', data: { text: TEXT } };
const ROOM_BODY = { event: 'bench.tick', data: { text: TEXT } };
/**
 * The heartbeat sweep pings every connection every 25 s: periodic work that would land
 * inside some measurements and not others. It is pushed out of the suite's way.
 */
const TETHER_ENV = { HEARTBEAT_MS: '600000' };

export interface FanoutRow {
  case: CaseName;
  n: number;
  /** Per repetition, the median over its messages (ms). */
  reps: number[];
  ms: Spread;
  /** The raw `ws` floor, measured alternately with this case, sending the same bytes. */
  wsReps: number[];
  ws: Spread;
  /** Bytes of the frame each socket received (the floor sent exactly these). */
  frameBytes: number;
}

export interface FanoutResult {
  sizes: number[];
  reps: number;
  messagesPerRep: number;
  roomUsers: number;
  rows: FanoutRow[];
}

/** What a case under test offers the comparison. */
interface Subject {
  arrivals: Arrivals;
  send(): Promise<unknown>;
  /** The frame text one of its sockets received (known after the first message). */
  frame(): string;
  close(): Promise<void>;
}

/** The floor: N raw `ws` sockets to the ws-echo server, which sends them the frame it is given. */
interface Floor {
  arrivals: Arrivals;
  send(frame: string): Promise<unknown>;
  close(): Promise<void>;
}

interface Options {
  n: number;
  reps: number;
  messages: number;
  log(message: string): void;
}

export const fanout = defineSuite<FanoutResult>({
  name: 'fanout',
  title: 'Fan-out',
  about: 'Time until the last of 1,000 and 5,000 connections has a broadcast or room message, Tether beside raw ws and socket.io.',
  async run(ctx) {
    const sizes = ctx.smoke ? [50] : [1000, 5000];
    const messages = ctx.smoke ? 2 : 5;
    const rows: FanoutRow[] = [];
    for (const n of sizes) {
      const o: Options = { n, reps: ctx.reps, messages, log: ctx.log };
      ctx.log(`fanout: N = ${n}: starting the servers`);
      const servers = await startServers(ctx.redisUrl);
      let floor: Floor | undefined;
      try {
        ctx.log(`fanout: N = ${n}: opening ${n} raw ws sockets (the floor)`);
        floor = await openFloor(servers.floor, n);
        const broadcast = await compare('broadcast', o, () => openTether(servers.broadcast, 'broadcast', o), floor);
        rows.push(broadcast.row);
        rows.push((await compare('room', o, () => openTether(servers.room, 'room', o), floor)).row);
        // socket.io gets the very event Tether sent as its payload: io.emit frames it as 42["message",…].
        const event = (JSON.parse(broadcast.frame) as { params: unknown }).params;
        rows.push((await compare('socket.io', o, () => openSocketIo(servers.socketIo, n, event), floor, broadcast.frame)).row);
        rows.push((await compare('redis', o, () => openTether(servers.redis, 'broadcast', o), floor)).row);
      } finally {
        await floor?.close();
        await servers.stop();
      }
    }
    return { sizes, reps: ctx.reps, messagesPerRep: messages, roomUsers: ROOM_USERS, rows };
  },

  render(r) {
    const rowsOf = (c: CaseName) => r.rows.filter((x) => x.case === c);
    const tableRows = r.rows.map((x) => {
      const q = x.ms.median / x.ws.median;
      const targeted = TARGETED.includes(x.case);
      return [LABEL[x.case], num(x.n), withSpread(x.ms), withSpread(x.ws), ratio(q), targeted ? mark(within(q)) : '—', String(x.frameBytes)];
    });
    const targets: Target[] = TARGETED.flatMap((c) =>
      rowsOf(c).map((x) => {
        const q = x.ms.median / x.ws.median;
        return { name: `Fan-out: ${LABEL[c]} to ${num(x.n)} connections vs raw ws`, measured: ratio(q), bound: `≤ ${BOUND.toFixed(2)}× raw ws`, met: within(q) };
      }),
    );
    const point = (n: number, s: Spread) => ({ x: n, y: s.median, low: s.min, high: s.max });
    const series = [
      ...(['broadcast', 'room', 'redis', 'socket.io'] as const).map((c) => ({ name: LABEL[c], points: rowsOf(c).map((x) => point(x.n, x.ms)) })),
      // The floor as measured beside the broadcast (it sent the broadcast's bytes).
      { name: 'raw ws (same bytes, beside the broadcast)', points: rowsOf('broadcast').map((x) => point(x.n, x.ws)) },
    ].filter((s) => s.points.length);
    const chart = lineChart({
      title: 'Time until the last connection has the message (median, whiskers min–max)',
      xLabel: 'connections',
      yLabel: 'ms',
      series,
      xTicks: r.sizes.map((n) => ({ value: n, label: num(n) })),
    });
    const markdown = [
      `One server process sends one message to N open connections; the figure is the time from just before the publish command leaves the benchmark process (over IPC to the server) until the last of the N clients has received and parsed it.`,
      `Each figure is the median of ${r.reps} repetitions (min–max); a repetition is the median of ${r.messagesPerRep} messages, each sent once every socket has the previous one and ${SETTLE_MS} ms have passed.`,
      `Each case takes turns with the raw \`ws\` floor, whose sockets stay open beside it: a bare \`ws\` server sending exactly the bytes one Tether client received (the captured frame) to as many sockets, and the ratio compares the two from the same moments of the machine.`,
      `All clients are light wire clients in the benchmark process (a bare \`ws\` socket that parses each frame as JSON), so they cost the same per socket on every side; the full client core is measured by the RPC suite.`,
      `Tether runs its shipped composition on the embedded broker (one process), with the 25 s heartbeat pushed out of the way; the broadcast goes to N distinct users, the room message to N connections of ${r.roomUsers} users (N/${r.roomUsers} each) in one room, since each new user in a room is announced to every member.`,
      `For scale: socket.io's \`io.emit\` of the same event to N socket.io connections (its frame is \`42["message",…]\`, a few bytes shorter; its clients speak the engine.io/socket.io wire on a bare socket too), and Tether with the Redis broker, where the event goes through Redis pub/sub to a separate gateway process.`,
      '',
      table(['case', 'connections', 'ms', 'raw ws, same bytes, ms', 'vs raw ws', `target ≤ ${BOUND}×`, 'frame bytes'], tableRows),
      '',
      '![Fan-out time against connection count](bench/charts/fanout.svg)',
      '',
      'The chart shows the floor as measured beside the broadcast; the table compares each case with the floor measured beside it, since the machine is not equally quiet throughout.',
    ].join('\n');
    return { markdown, charts: { 'fanout.svg': chart }, targets };
  },
});

/** Open a case, warm it (that first message also shows the frame), then take turns with the floor. */
async function compare(name: CaseName, o: Options, open: () => Promise<Subject>, floor: Floor, floorFrame?: string) {
  o.log(`fanout: N = ${o.n}: opening ${LABEL[name]}`);
  const started = performance.now();
  const subject = await open();
  try {
    o.log(`fanout: N = ${o.n}: ${LABEL[name]} ready in ${Math.round(performance.now() - started)} ms`);
    await subject.arrivals.time(o.n, subject.send);
    const frame = floorFrame ?? subject.frame();
    if (!frame) throw new Error(`${LABEL[name]}: no frame seen on the first socket, nothing for the floor to send`);
    const sendFloor = () => floor.send(frame);
    await floor.arrivals.time(o.n, sendFloor);
    const reps: number[] = [];
    const wsReps: number[] = [];
    for (let rep = 0; rep < o.reps; rep++) {
      reps.push(await medianOf(o, subject.arrivals, subject.send));
      wsReps.push(await medianOf(o, floor.arrivals, sendFloor));
      o.log(`fanout: N = ${o.n}: rep ${rep + 1}/${o.reps} ${LABEL[name]} ${num(reps[rep]!)} ms, raw ws ${num(wsReps[rep]!)} ms`);
    }
    const row: FanoutRow = { case: name, n: o.n, reps, ms: spread(reps), wsReps, ws: spread(wsReps), frameBytes: Buffer.byteLength(subject.frame()) };
    return { row, frame: subject.frame() };
  } finally {
    await subject.close();
  }
}

async function medianOf(o: Options, arrivals: Arrivals, send: () => Promise<unknown>) {
  const times: number[] = [];
  for (let i = 0; i < o.messages; i++) {
    times.push(await arrivals.time(o.n, send));
    await sleep(SETTLE_MS);
  }
  return spread(times).median;
}

async function openFloor(child: Child, n: number): Promise<Floor> {
  const arrivals = createArrivals();
  const sockets: WebSocket[] = [];
  try {
    await openMany(n, async () => {
      const ws = await connectRaw(`ws://127.0.0.1:${child.port}`);
      sockets.push(ws);
      // Parsed like every other client here, so the floor's clients do the same work.
      ws.on('message', (data) => {
        JSON.parse(String(data));
        arrivals.hit();
      });
    });
  } catch (error) {
    closeAll(sockets);
    throw error;
  }
  return { arrivals, send: (frame) => child.request('broadcast', { frame }), close: async () => closeAll(sockets) };
}

/** N Tether connections: for `broadcast`, N distinct users; for `room`, N connections of `ROOM_USERS` users in one room. */
async function openTether(server: TetherUnderTest, kind: 'broadcast' | 'room', o: Options): Promise<Subject> {
  const arrivals = createArrivals();
  const method = kind === 'room' ? 'room.message' : 'broadcast';
  let lastEventAt = 0;
  const onEvent = (m: string) => {
    lastEventAt = performance.now();
    if (m === method) arrivals.hit();
  };
  const opened: WireConnection[] = [];
  // Each server serves one case: it goes with its sockets.
  const close = async () => {
    closeAll(opened.map((c) => c.ws));
    await server.stop();
  };
  try {
    const users = kind === 'room' ? Math.min(ROOM_USERS, o.n) : o.n;
    const tokens = await Promise.all(Array.from({ length: users }, (_, i) => benchToken(`fan-${i}`)));
    await openMany(o.n, async (i) => {
      const c = await connectWire(server.url, tokens[i % users]!);
      opened.push(c);
      c.onEvent = onEvent;
      if (kind === 'room') await c.request('rooms.join', { room: ROOM });
      return c;
    });
    // The joins' presence frames must be over before anything is timed.
    while (performance.now() - lastEventAt < 200) await sleep(50);
  } catch (error) {
    await close();
    throw error;
  }
  let frame = '';
  opened[0]!.ws.on('message', function capture(data) {
    const text = String(data);
    if (!text.includes(`"method":"${method}"`)) return;
    frame = text;
    opened[0]!.ws.off('message', capture);
  });
  const target = kind === 'room' ? { kind: 'room', room: ROOM } : { kind: 'broadcast' };
  const body = kind === 'room' ? ROOM_BODY : BROADCAST_BODY;
  return { arrivals, send: () => server.gateway.request('publish', { target, body }), frame: () => frame, close };
}

/** N socket.io connections; `send` emits `event` to all of them. */
async function openSocketIo(child: Child, n: number, event: unknown): Promise<Subject> {
  const arrivals = createArrivals();
  let frame = '';
  const sockets: WebSocket[] = [];
  try {
    await openMany(n, async () => {
      const ws = await connectSocketIoWire(child.port, (name) => name === 'message' && arrivals.hit());
      sockets.push(ws);
    });
  } catch (error) {
    closeAll(sockets);
    await child.kill();
    throw error;
  }
  sockets[0]!.on('message', function capture(data) {
    const text = String(data);
    if (!text.startsWith('42')) return;
    frame = text;
    sockets[0]!.off('message', capture);
  });
  return { arrivals, send: () => child.request('broadcast', { data: event }), frame: () => frame, close: () => (closeAll(sockets), child.kill()) };
}

function closeAll(sockets: WebSocket[]) {
  for (const ws of sockets) ws.terminate();
}

interface Servers {
  floor: Child;
  broadcast: TetherUnderTest;
  room: TetherUnderTest;
  socketIo: Child;
  redis: TetherUnderTest;
  /** Stop whichever are still running. */
  stop(): Promise<void>;
}

/**
 * Every server of one connection count, fresh, started at once (idle, they cost each other
 * nothing but start-up time, most of a smoke run otherwise). Each case's server is stopped
 * when its case is done; the floor stays up for all of them.
 */
async function startServers(redisUrl: string): Promise<Servers> {
  const started = await Promise.allSettled([
    startChild('ws-echo'),
    startTether('memory', redisUrl, TETHER_ENV),
    startTether('memory', redisUrl, TETHER_ENV),
    startChild('socketio'),
    startTether('redis', redisUrl, TETHER_ENV),
  ] as const);
  const stop = async () => {
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? ('stop' in s.value ? s.value.stop() : s.value.kill()) : undefined)));
  };
  const [floor, broadcast, room, socketIo, redis] = started;
  if (floor.status === 'rejected' || broadcast.status === 'rejected' || room.status === 'rejected' || socketIo.status === 'rejected' || redis.status === 'rejected') {
    await stop();
    throw started.find((s): s is PromiseRejectedResult => s.status === 'rejected')!.reason;
  }
  return { floor: floor.value, broadcast: broadcast.value, room: room.value, socketIo: socketIo.value, redis: redis.value, stop };
}

/**
 * The checker of the fault suite (Jepsen's shape: the nemesis breaks something, the checker
 * counts every operation). It records every call a case makes (start, end, outcome, how many
 * times it settled), every event the backend publishes (each with a unique `data.seq`), and
 * every event, `gap` and close each client sees. `check()` then says, per client and stream:
 * delivered once, late, twice, or not at all (with or without a `gap` for that stream after
 * the event was published); and of the calls: settled once, how, and how many ran twice.
 * `printFigures` shows it as one block, since every case prints its figures.
 *
 * The rule for events is the end-to-end guarantee, not a mechanism: an event missed is fine
 * only when the client was told (a `gap` for its stream, emitted after the event was
 * published), whichever way the gap reaches it.
 */
import { WebSocket } from 'ws';
import { createClient, type Client } from '../../src/core/client.ts';
import { AbortError, ClosedError, OfflineError, RpcError, TimeoutError } from '../../src/core/errors.ts';
import type { ClientOptions } from '../../src/core/options.ts';
import type { Broker, Target } from '../broker/broker.ts';
import type { Run } from './methods.ts';

/** A client's streams: its user's notifications, broadcasts, and each room it joined. */
export type StreamKey = 'user' | 'broadcast' | `room:${string}`;

interface ClientRecord {
  name: string;
  user: string;
  client: Client;
  /** When each stream started to count (first connected; room joined). */
  since: Map<StreamKey, number>;
  /** seq → each delivery: when, and the offset it came with. */
  received: Map<number, { at: number; offset: string }[]>;
  gaps: { stream: StreamKey; at: number }[];
  /** Close codes of the connections and attempts it lost. */
  closes: number[];
  /** Answers to the same request id on the same socket (a protocol bug). */
  answeredTwice: number;
}

interface EventRecord {
  seq: number;
  stream: StreamKey;
  /** For user events: whose. */
  user?: string;
  start: number;
  end?: number;
  /** false: `publish` rejected, so nobody has to receive it (but may, if Redis ran it anyway). */
  ok?: boolean;
}

export interface CallRecord {
  key: string;
  client: string;
  method: string;
  start: number;
  end?: number;
  /** `ok`, `RpcError <code>`, or the error's class name. */
  outcome?: string;
  /** Whether the rejection was one of the client's typed errors. */
  typed?: boolean;
  settles: number;
}

export interface StreamFigures {
  /** Deliveries owed: (event, client) pairs. */
  expected: number;
  once: number;
  late: number;
  twice: number;
  /** Delivered twice under two offsets: the backend's publish ran twice (a resend across a Redis restart), not a duplicate delivery. */
  republished: number;
  gapped: number;
  lost: number;
}

export interface Figures {
  clients: number;
  calls: {
    made: number;
    ok: number;
    errors: Record<string, number>;
    pending: number;
    settledTwice: number;
    untyped: number;
    answeredTwice: number;
    slowestMs: number;
  };
  events: StreamFigures & {
    published: number;
    failedToPublish: number;
    /** Deliveries of events whose `publish` rejected (Redis ran it after all). */
    unconfirmed: number;
    maxLatencyMs: number;
    byStream: Record<string, StreamFigures>;
  };
  gaps: Record<string, number>;
  closes: Record<string, number>;
  runs: { calls: number; total: number; max: number; twice: number; moreThanTwice: number; newId: number };
  /** The lost deliveries, a few, for the failure message. */
  lostSample: string[];
  /** Lost deliveries per client. */
  lostByClient: Record<string, number>;
  /** The slowest delivery: who, which event, how late. */
  slowest?: string;
}

const zero = (): StreamFigures => ({ expected: 0, once: 0, late: 0, twice: 0, republished: 0, gapped: 0, lost: 0 });
const kindOf = (s: StreamKey) => (s.startsWith('room:') ? 'room' : s);

export function createLedger() {
  const clients = new Map<string, ClientRecord>();
  const events = new Map<number, EventRecord>();
  const calls: CallRecord[] = [];
  const callsByKey = new Map<string, CallRecord>();
  const started = Date.now();
  let seq = 0;

  /** `ws` with a tap on answers: the same id answered twice on one socket is counted. */
  function tappedSocket(record: () => ClientRecord | undefined) {
    return class TappedWebSocket extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        const answered = new Set<string>();
        this.on('message', (data) => {
          const text = data.toString();
          // Answers start with the id (the gateway's key order); events have a method instead.
          if (!text.startsWith('{"jsonrpc":"2.0","id":')) return;
          const id = String((JSON.parse(text) as { id: unknown }).id);
          const r = record();
          if (answered.has(id) && r) r.answeredTwice++;
          answered.add(id);
        });
      }
    };
  }

  return {
    /** A client that the ledger watches: its user and broadcast streams count from its first connection. */
    client(name: string, user: string, options: Omit<ClientOptions, 'WebSocket'>): Client {
      if (clients.has(name)) throw new Error(`ledger: two clients named ${name}`);
      let record: ClientRecord | undefined;
      const client = createClient({ ...options, WebSocket: tappedSocket(() => record) });
      const r: ClientRecord = (record = { name, user, client, since: new Map(), received: new Map(), gaps: [], closes: [], answeredTwice: 0 });
      clients.set(name, r);
      client.on('notification', (n) => delivered(r, n));
      client.on('broadcast', (b) => delivered(r, b));
      client.on('gap', ({ stream }) => r.gaps.push({ stream, at: Date.now() }));
      client.on('state', (e) => {
        if (e.to === 'connected' && !r.since.has('user')) {
          r.since.set('user', Date.now());
          r.since.set('broadcast', Date.now());
        }
        // Every lost connection or failed attempt, with its close code (1013 ×50 is a loop).
        if (e.to === 'reconnecting') r.closes.push(e.code ?? 0);
      });
      return client;
    },

    /** Join `room` on client `name`; its messages count from the join. */
    async joinRoom(name: string, room: string) {
      const r = clients.get(name)!;
      const handle = r.client.room(room);
      handle.on('message', (m) => delivered(r, m));
      handle.on('gap', () => r.gaps.push({ stream: `room:${room}`, at: Date.now() }));
      await handle.join();
      r.since.set(`room:${room}`, Date.now());
    },

    /** Publish one event through `broker`, numbered; `padBytes` makes it big. Never rejects. */
    async publish(broker: Broker, target: Target, padBytes = 0): Promise<EventRecord> {
      const e: EventRecord = {
        seq: ++seq,
        stream: target.kind === 'room' ? `room:${target.room}` : target.kind,
        ...(target.kind === 'user' ? { user: target.user } : {}),
        start: Date.now(),
      };
      events.set(e.seq, e);
      const data = padBytes ? { seq: e.seq, pad: 'x'.repeat(padBytes) } : { seq: e.seq };
      const body = target.kind === 'room' ? { event: 'fault', data } : { type: 'fault', data };
      try {
        await broker.publish(target, body);
        e.ok = true;
      } catch {
        e.ok = false;
      }
      e.end = Date.now();
      return e;
    },

    /** Make a call on client `name`, recorded under `key`. Resolves (never rejects) once it settled. */
    call(name: string, key: string, method: string, params: unknown, options: { timeoutMs?: number } = {}): Promise<CallRecord> {
      const c: CallRecord = { key, client: name, method, start: Date.now(), settles: 0 };
      calls.push(c);
      callsByKey.set(key, c);
      const settle = (outcome: string, typed: boolean) => {
        c.settles++;
        c.end ??= Date.now();
        c.outcome ??= outcome;
        c.typed ??= typed;
        return c;
      };
      return clients
        .get(name)!
        .client.call(method, params, options)
        .then(
          () => settle('ok', true),
          (error: unknown) => {
            if (error instanceof RpcError) return settle(`RpcError ${error.code}`, true);
            const typed = [TimeoutError, AbortError, OfflineError, ClosedError].some((t) => error instanceof t);
            return settle(error instanceof Error ? error.name : String(error), typed);
          },
        );
    },

    /** Calls not settled yet. */
    pendingCalls: () => calls.filter((c) => c.settles === 0).length,

    /** Deliveries owed (to `only` these clients) and neither made nor excused by a gap; cheap enough to poll every 100 ms. */
    outstanding(only?: string[]): number {
      let n = 0;
      for (const e of events.values()) {
        if (e.ok === false) continue;
        for (const r of recipients(e, only)) if (!r.received.has(e.seq) && !gapAfter(r, e)) n++;
      }
      return n;
    },

    /** The call recorded under `key`. */
    callRecord: (key: string) => callsByKey.get(key),

    /**
     * The figures of the case so far. `lateMs`: a delivery later than this after its publish
     * counts as late. `only`: the events owed to these clients, and their gaps and closes.
     */
    check(o: { lateMs: number; runs?: Map<string, Run[]>; only?: string[] }): Figures {
      const watched = [...clients.values()].filter((r) => !o.only || o.only.includes(r.name));
      const f: Figures = {
        clients: watched.length,
        calls: { made: calls.length, ok: 0, errors: {}, pending: 0, settledTwice: 0, untyped: 0, answeredTwice: 0, slowestMs: 0 },
        events: { ...zero(), published: events.size, failedToPublish: 0, unconfirmed: 0, maxLatencyMs: 0, byStream: {} },
        gaps: {},
        closes: {},
        runs: { calls: 0, total: 0, max: 0, twice: 0, moreThanTwice: 0, newId: 0 },
        lostSample: [],
        lostByClient: {},
      };
      for (const c of calls) {
        if (c.settles === 0) f.calls.pending++;
        if (c.settles > 1) f.calls.settledTwice++;
        if (c.outcome === 'ok') f.calls.ok++;
        else if (c.outcome) f.calls.errors[c.outcome] = (f.calls.errors[c.outcome] ?? 0) + 1;
        if (c.outcome && !c.typed) f.calls.untyped++;
        if (c.end) f.calls.slowestMs = Math.max(f.calls.slowestMs, c.end - c.start);
      }
      for (const r of watched) {
        f.calls.answeredTwice += r.answeredTwice;
        for (const g of r.gaps) f.gaps[g.stream] = (f.gaps[g.stream] ?? 0) + 1;
        for (const code of r.closes) f.closes[code] = (f.closes[code] ?? 0) + 1;
      }
      for (const e of events.values()) {
        if (e.ok === false) f.events.failedToPublish++;
        const bucket = (f.events.byStream[kindOf(e.stream)] ??= zero());
        for (const r of recipients(e, o.only)) {
          const times = r.received.get(e.seq);
          if (e.ok === false) {
            if (times) f.events.unconfirmed++;
            continue;
          }
          const count = (k: keyof StreamFigures) => {
            f.events[k]++;
            bucket[k]++;
          };
          count('expected');
          if (!times) {
            if (gapAfter(r, e)) count('gapped');
            else {
              count('lost');
              f.lostByClient[r.name] = (f.lostByClient[r.name] ?? 0) + 1;
              if (f.lostSample.length < 5) f.lostSample.push(`${r.name} ${e.stream} #${e.seq}`);
            }
            continue;
          }
          const offsets = new Set(times.map((t) => t.offset)).size;
          count(times.length === 1 ? 'once' : offsets === times.length ? 'republished' : 'twice');
          const latency = times[0]!.at - (e.end ?? e.start);
          if (latency > f.events.maxLatencyMs) {
            f.events.maxLatencyMs = latency;
            f.slowest = `${r.name} ${e.stream} #${e.seq}, published at +${((e.start - started) / 1000).toFixed(1)} s`;
          }
          if (latency > o.lateMs) count('late');
        }
      }
      const byKey = new Map(calls.map((c) => [c.key, c]));
      for (const [key, runs] of o.runs ?? []) {
        if (!byKey.has(key)) continue;
        f.runs.calls++;
        f.runs.total += runs.length;
        f.runs.max = Math.max(f.runs.max, runs.length);
        if (runs.length === 2) f.runs.twice++;
        if (runs.length > 2) f.runs.moreThanTwice++;
        if (new Set(runs.map((r) => r.callId)).size > 1) f.runs.newId++;
      }
      return f;
    },

    /** Close every client (the end of a case). */
    closeAll() {
      for (const r of clients.values()) r.client.close();
    },
  };

  function delivered(r: ClientRecord, e: { offset: string; data?: unknown }) {
    const s = (e.data as { seq?: number } | undefined)?.seq;
    if (typeof s !== 'number') return;
    const list = r.received.get(s) ?? [];
    list.push({ at: Date.now(), offset: e.offset });
    r.received.set(s, list);
  }

  /** The clients that owe this event a delivery: watching its stream since before it was published. */
  function recipients(e: EventRecord, only?: string[]): ClientRecord[] {
    const out: ClientRecord[] = [];
    for (const r of clients.values()) {
      if (e.stream === 'user' && r.user !== e.user) continue;
      if (only && !only.includes(r.name)) continue;
      const since = r.since.get(e.stream);
      if (since !== undefined && since <= e.start) out.push(r);
    }
    return out;
  }

  /** Whether the client was told it missed something of the event's stream after the event was published. */
  function gapAfter(r: ClientRecord, e: EventRecord): boolean {
    return r.gaps.some((g) => g.stream === e.stream && g.at >= e.start);
  }
}

const n = (x: number) => x.toLocaleString('en-US');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const list = (r: Record<string, number>) =>
  Object.entries(r)
    .map(([k, v]) => `${k} ×${n(v)}`)
    .join(', ') || 'none';

/** The figures of a case as one block on the console; `lines` are the case's own figures, printed first. */
export function printFigures(title: string, f: Figures, lines: string[] = [], o: { lateMs?: number } = {}) {
  const c = f.calls;
  const e = f.events;
  const stream = (name: string, s: StreamFigures) =>
    `    ${name.padEnd(10)} ${n(s.expected)} owed: ${n(s.once)} once (${n(s.late)} late), ${n(s.twice)} twice, ${n(s.gapped)} missed with a gap, ${n(s.lost)} lost${s.republished ? `, ${n(s.republished)} published twice by the backend` : ''}`;
  const out = [`── ${title} ${'─'.repeat(Math.max(3, 76 - title.length))}`, ...lines.map((l) => `  ${l}`)];
  if (c.made) {
    out.push(
      `  calls      ${n(c.made)} made: ${n(c.ok)} ok, errors: ${list(c.errors)}; ${n(c.pending)} pending, ${n(c.settledTwice)} settled twice, ${n(c.untyped)} untyped errors, ${n(c.answeredTwice)} answered twice on one socket; slowest ${secs(c.slowestMs)}`,
    );
  }
  if (f.runs.calls) {
    out.push(`  runs       ${n(f.runs.total)} runs of ${n(f.runs.calls)} calls: max ${f.runs.max} per call, ${n(f.runs.twice)} ran twice, ${n(f.runs.moreThanTwice)} more than twice, ${n(f.runs.newId)} rerun under a new id`);
  }
  if (e.published) {
    out.push(
      `  events     ${n(e.published)} published (${n(e.failedToPublish)} failed to publish); ${n(e.expected)} deliveries owed to ${f.clients} clients: ${n(e.once)} once, ${n(e.late)} late${o.lateMs ? ` (> ${secs(o.lateMs)})` : ''}, ${n(e.twice)} twice, ${n(e.gapped)} missed with a gap, ${n(e.lost)} lost (not delivered by the end, no gap); slowest delivery ${secs(e.maxLatencyMs)}${f.slowest ? ` (${f.slowest})` : ''}`,
      ...Object.entries(e.byStream).map(([k, s]) => stream(k, s)),
    );
    if (e.unconfirmed) out.push(`    (${n(e.unconfirmed)} deliveries of events whose publish call failed)`);
    if (f.lostSample.length) out.push(`    lost, e.g.: ${f.lostSample.join('; ')}`);
  }
  out.push(`  gaps       ${list(f.gaps)}`, `  closes     ${list(f.closes)}`);
  console.log(out.join('\n'));
}

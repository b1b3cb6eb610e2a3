/**
 * The state behind the memory broker (`memory.ts`), one per prefix and shared by every
 * instance on that prefix, as one Redis is shared by processes: what each part stands for
 * in the Redis contract, plus the helpers that touch only this state (listeners, history
 * trimming, presence expiry).
 */
import { randomBytes } from 'node:crypto';
import type { CallHandler, CallReply, CallRequest, LiveEvent } from './broker.ts';
import { targetKey } from './broker.ts';

/** A request in the shared queue: a stream entry, then an entry of the group's pending list. */
export interface Entry {
  readonly seq: number;
  /** The request as it sits in the stream (a JSON copy of what was enqueued with `copyCalls`). */
  readonly request: CallRequest;
  deliveries: number;
  /**
   * When it was last delivered or its owner last refreshed its lease: its idle time, as
   * XPENDING sees it, starts here. It is taken over once idle for `claimIdleMs`.
   */
  idleSince: number;
  owner: ConsumerRuntime | undefined;
  /** Answered or dead-lettered: any later answer is dropped. */
  done: boolean;
}

/** One `consume()`: a consumer of the workers' group. */
export interface ConsumerRuntime {
  readonly name: string;
  /** The methods it runs: only calls to these are delivered to it. */
  readonly methods: ReadonlySet<string>;
  readonly handle: CallHandler;
  readonly batch: number;
  readonly claimIdleMs: number;
  readonly maxDeliveries: number;
  /** Hand each delivery a JSON copy of its request, and store a JSON copy of its answer (`copyCalls`). */
  readonly copyCalls: boolean;
  /** The broker instance that started it: a closed instance's answers are lost, as after a crash. */
  readonly instance: { closed: boolean };
  /** Handlers running now: at most `batch` new calls plus `rescued`. */
  inFlight: number;
  /** Of those, calls taken over from a dead consumer: at most `batch`. */
  rescued: number;
  readonly running: Set<Promise<void>>;
  /** The entries those handlers run, whose leases it refreshes. */
  readonly taken: Set<Entry>;
  /** Takes no more requests (stopped, killed or closed). */
  stopped: boolean;
  /** Crashed (`Consumer.kill`): its running handlers' answers are dropped. */
  killed: boolean;
  /** Takes over the requests of dead consumers. Cleared as soon as it stops. */
  reclaimTimer: ReturnType<typeof setInterval> | undefined;
  /** Refreshes the leases of `taken`. Kept through `stop()` until the last handler settles. */
  refreshTimer: ReturnType<typeof setInterval> | undefined;
}

/** The `call:<user>:<id>` key: claimed until `expiresAt`, then holding the reply. */
export interface ClaimEntry {
  expiresAt: number;
  /** The stored reply. Nobody changes it once stored: the gateways only serialize it. */
  reply?: CallReply;
  /** The reply stream of the gateway that claimed the call. */
  caller: string;
  /**
   * Reply streams of resends that arrived on other gateways while the call ran. Made only
   * then: a claim is kept per call for its resend window, and an array or a Set each was a
   * measurable share of the GC's work.
   */
  waiters: string[] | undefined;
}

/** A `hist:<target>` stream. */
export interface History {
  events: Array<{ ms: number; seq: number; ts: number; json: string }>;
  /** The tip, `ms-seq`; `0-0` before the first event. */
  ms: number;
  seq: number;
  /** The highest offset trimmed away: a reader behind it missed events for good. */
  trimmed: [number, number];
}

export interface Listener<T> {
  readonly fn: (value: T) => void;
  /** Cleared on unsubscribe, so nothing already on its way arrives afterwards. */
  active: boolean;
}

export interface State {
  /**
   * The epoch of every history in this state. The state lives as long as the process (an
   * embedded broker's data dies with it), so one epoch per state is one per life of each stream.
   */
  epoch: string;
  /** Last entry number of the request stream. */
  seq: number;
  /** Entries not yet delivered to any consumer, oldest first (a Map keeps insertion order). */
  queue: Map<number, Entry>;
  /** Delivered, not yet acknowledged: the group's pending entries list. */
  pending: Map<number, Entry>;
  /** `rpc:dead`, capped. Not exposed by `Broker`; kept for a debugger and for parity with Redis. */
  dead: Array<{ request: CallRequest; deliveries: number; lastConsumer: string | undefined; at: number }>;
  /** Consumers of every instance on this prefix, in round-robin order. */
  consumers: ConsumerRuntime[];
  next: number;
  pumpQueued: boolean;
  /**
   * In the order they were claimed, which is about the order they expire in (the windows are
   * a call's deadline plus a grace): expired ones are dropped from the front, a few per new
   * claim and the rest on the sweep, so neither walks the live ones.
   */
  claims: Map<string, ClaimEntry>;
  /**
   * The claims in the order they were made, with their expiry, from `claimHead` on: what
   * expires first is dropped first. Not the map's own order: a Map walks over the entries
   * deleted at its front until it is rehashed, so reading its first entry per call grows with
   * the calls of a whole window (it stalled the broker at 15,000 calls/s).
   */
  claimOrder: { keys: string[]; expires: number[]; head: number };
  /** Reply streams by `replyTo`. A reply to a stream nobody reads is dropped (its gateway is gone). */
  readers: Map<string, Set<Listener<CallReply>>>;
  /** Pub/sub channels by target key. */
  channels: Map<string, Set<Listener<LiveEvent>>>;
  histories: Map<string, History>;
  /** room → user → connection → expiry (epoch ms). */
  presence: Map<string, Map<string, Map<string, number>>>;
  /** Methods workers announced: name → description. */
  methods: Map<string, unknown>;
  /** Who serves each method, until when: method → worker → expiry (epoch ms). */
  serving: Map<string, Map<string, number>>;
}

/**
 * Module-level, so instances with one prefix meet here. A state is never dropped: like Redis
 * data, it outlives the instances that wrote it (a few maps per prefix; tests use one each).
 */
const states = new Map<string, State>();

export function stateOf(prefix: string): State {
  let s = states.get(prefix);
  if (!s) {
    s = {
      epoch: randomBytes(6).toString('base64url'),
      seq: 0,
      queue: new Map(),
      pending: new Map(),
      dead: [],
      consumers: [],
      next: 0,
      pumpQueued: false,
      claims: new Map(),
      claimOrder: { keys: [], expires: [], head: 0 },
      readers: new Map(),
      channels: new Map(),
      histories: new Map(),
      presence: new Map(),
      methods: new Map(),
      serving: new Map(),
    };
    states.set(prefix, s);
  }
  return s;
}

/** Add `fn` under `key`; returns its removal, also registered in `owned` so `close()` can run it. */
export function listen<T>(map: Map<string, Set<Listener<T>>>, key: string, fn: (value: T) => void, owned: Set<() => void>): () => void {
  const l: Listener<T> = { fn, active: true };
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(l);
  const off = () => {
    if (!l.active) return;
    l.active = false;
    set.delete(l);
    if (set.size === 0 && map.get(key) === set) map.delete(key);
    owned.delete(off);
  };
  owned.add(off);
  return off;
}

const resolved = Promise.resolve();

/**
 * Run `fn` on a later microtask. Not `queueMicrotask`: Node makes an `AsyncResource` for each
 * one, a measurable share of a call's cost when every call takes several of these turns.
 * `fn` must not throw (it would be an unhandled rejection).
 */
export function soon(fn: () => void) {
  void resolved.then(fn);
}

/** Deliver `json` to `l` on a later microtask, a fresh copy each, ignoring what the listener throws. */
export function sendLater<T>(l: Listener<T>, json: string) {
  deliverLater(l, () => JSON.parse(json) as T);
}

/** Deliver what `value()` makes to `l` on a later microtask, ignoring what the listener throws. */
export function deliverLater<T>(l: Listener<T>, value: () => T) {
  soon(() => {
    if (!l.active) return;
    try {
      l.fn(value());
    } catch {
      // A listener's failure is its own; the broker and the other listeners go on.
    }
  });
}

/** PUBLISH on a target's channel: `json` is a `LiveEvent`. */
export function emit(s: State, key: string, json: string) {
  for (const l of s.channels.get(key) ?? []) sendLater(l, json);
}

/** A presence change on the room's channel. Not stored: a late joiner asks `members()`. */
export function announce(s: State, room: string, change: { joined: string } | { left: string }) {
  emit(s, targetKey({ kind: 'room', room }), JSON.stringify({ kind: 'presence', room, ...change } satisfies LiveEvent));
}

/** Drop events beyond `maxLen` or older than `maxAgeMs`, remembering the highest offset dropped. */
export function trim(h: History, now: number, maxLen: number, maxAgeMs: number) {
  const cut = now - maxAgeMs;
  let n = 0;
  while (n < h.events.length && (h.events.length - n > maxLen || h.events[n]!.ts < cut)) n++;
  if (n === 0) return;
  const last = h.events[n - 1]!;
  h.trimmed = [last.ms, last.seq];
  h.events.splice(0, n);
}

/**
 * Forget the room's connections whose ttl ran out, announcing `left` for each user who has
 * none left. There is no timer per entry: this runs when the room is touched (`enter`,
 * `exit`, `members`) and on the sweep, so `left` for an expiry comes at the latest one sweep late.
 */
export function prune(s: State, room: string, now: number) {
  const users = s.presence.get(room);
  if (!users) return;
  for (const [user, conns] of users) {
    for (const [conn, expiresAt] of conns) if (expiresAt <= now) conns.delete(conn);
    if (conns.size > 0) continue;
    users.delete(user);
    announce(s, room, { left: user });
  }
  if (users.size === 0) s.presence.delete(room);
}

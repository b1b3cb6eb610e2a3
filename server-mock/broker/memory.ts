/**
 * The embedded broker: the Redis contract (docs/redis-contract.md) played out in process memory, for a
 * gateway and its workers in one Node process with no Redis.
 *
 * Instances created with the same `prefix` share one state, the way processes sharing one
 * Redis share its keys (a second instance is "another gateway or worker"); `close()` stops
 * only what its own instance started, and the state outlives it as Redis data would. Events
 * cross as JSON, so code that passes here does not break on Redis because it shared an
 * object or sent a Date. Calls and their answers cross as objects (`copyCalls` copies them
 * too): the worker validates params and result with its schemas, which hand on copies, and
 * the gateway serializes an answer as it arrives, so no side sees the other's objects change,
 * and a JSON round trip each way was a fifth of a call's cost. Delivery is always
 * asynchronous (a microtask), never inside the `publish`/`enqueue` that caused it, and a
 * throwing listener is ignored.
 * The shared state, and what each part of it stands for in Redis, is in `memory-state.ts`.
 */
import { ErrorCode } from 'tether-rpc/protocol';
import type { Broker, BrokerOptions, CallReply, CallRequest, Claim, ConsumeOptions, EventBody, HistoryPage, LiveEvent, StoredEvent } from './broker.ts';
import { BrokerUnavailableError, deadlineReply, targetKey } from './broker.ts';
import { type ClaimEntry, type ConsumerRuntime, type Entry, type State, announce, deliverLater, emit, listen, prune, soon, stateOf, trim } from './memory-state.ts';

export interface MemoryBrokerOptions extends BrokerOptions {
  /**
   * How often expired claims, presence entries (announcing `left`), aged history and queued
   * calls past their deadline (answered -32003) are swept. Everything is also checked lazily when touched;
   * the sweep only keeps memory bounded and announces presence nobody asked about.
   * @default 5000
   */
  sweepMs?: number;
  /**
   * Pass every call request and answer through JSON as well, as Redis would: a debugging aid
   * for a method whose schema hands on the caller's objects as they are (`z.any()`) and that
   * changes them later. Costs about a fifth of a call.
   * @default false
   */
  copyCalls?: boolean;
}

type Answer = Omit<CallReply, 'id' | 'user'>;

/** Dead letters kept per prefix, oldest dropped first, like a `MAXLEN` stream. */
const DEAD_LETTER_MAX = 1000;

/** Expired claims dropped by each new claim: more than one, so the map shrinks after a burst. */
const CLAIMS_DROPPED_PER_CLAIM = 2;

const jsonCopy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Unambiguous for any strings (the user's length comes first), and cheaper than JSON. */
const claimKey = (user: string, id: string) => `${user.length}:${user}:${id}`;

type Position = [ms: number, seq: number];

/** `<ms>-<seq>` of an offset of `epoch`, or undefined for an offset of another epoch (or a malformed one). */
function positionIn(epoch: string, offset: string): Position | undefined {
  const m = /^([\w-]+):(\d+)-(\d+)$/.exec(offset);
  return m && m[1] === epoch ? [Number(m[2]), Number(m[3])] : undefined;
}

/** Order of two positions: negative, zero or positive. */
const comparePositions = (a: Position, b: Position) => a[0] - b[0] || a[1] - b[1];

export function createMemoryBroker(options: MemoryBrokerOptions = {}): Broker {
  const prefix = options.prefix ?? 'tether:';
  const maxLen = options.historyMaxLen ?? 1000;
  const maxAgeMs = options.historyMaxAgeMs ?? 600_000;
  const s = stateOf(prefix);
  const copyCalls = options.copyCalls ?? false;
  /** What this instance started, so `close()` stops exactly that. */
  const mine = { closed: false, consumers: new Set<ConsumerRuntime>(), listeners: new Set<() => void>() };

  const sweeper = setInterval(() => sweep(s, Date.now(), maxAgeMs), options.sweepMs ?? 5000);
  sweeper.unref();

  const open = () => {
    // Like a Redis client after `quit`: a closed broker refuses work instead of pretending.
    if (mine.closed) throw new BrokerUnavailableError('memory broker is closed', false);
  };

  /** XADD to the requests stream. */
  const add = (request: CallRequest) => {
    const seq = ++s.seq;
    const entry: Entry = { seq, request: copyCalls ? jsonCopy(request) : request, deliveries: 0, idleSince: 0, owner: undefined, done: false };
    s.queue.set(seq, entry);
    schedulePump(s);
  };

  return {
    name: 'memory',

    async claim(user, id, replyTo, windowMs): Promise<Claim> {
      open();
      const now = Date.now();
      const key = claimKey(user, id);
      const claim = liveClaim(s, key, now);
      if (!claim) {
        dropExpiredClaims(s, now, CLAIMS_DROPPED_PER_CLAIM);
        s.claims.set(key, { expiresAt: now + windowMs, caller: replyTo, waiters: undefined, reply: undefined });
        s.claimOrder.keys.push(key);
        s.claimOrder.expires.push(now + windowMs);
        return { status: 'new' };
      }
      if (claim.reply !== undefined) return { status: 'done', reply: claim.reply };
      if (claim.caller !== replyTo && !claim.waiters?.includes(replyTo)) (claim.waiters ??= []).push(replyTo);
      return { status: 'pending' };
    },

    async enqueue(request) {
      open();
      add(request);
    },

    async submit(request, windowMs) {
      const claim = await this.claim(request.user, request.id, request.replyTo, windowMs);
      if (claim.status === 'new') add(request);
      return claim;
    },

    replies(replyTo, onReply) {
      open();
      const off = listen(s.readers, replyTo, onReply, mine.listeners);
      return async () => off();
    },

    consume(name, handle, o: ConsumeOptions) {
      open();
      const c: ConsumerRuntime = {
        name,
        methods: new Set(o.methods),
        handle,
        batch: Math.max(1, Math.floor(o.batch ?? 16)),
        claimIdleMs: o.claimIdleMs ?? 10_000,
        maxDeliveries: Math.max(1, o.maxDeliveries ?? 3),
        copyCalls,
        instance: mine,
        inFlight: 0,
        rescued: 0,
        running: new Set(),
        taken: new Set(),
        stopped: false,
        killed: false,
        reclaimTimer: undefined,
        refreshTimer: undefined,
      };
      // XPENDING + XCLAIM's polling: often enough that a takeover happens soon after `claimIdleMs`.
      c.reclaimTimer = setInterval(() => reclaim(s, c), Math.min(Math.max(Math.floor(c.claimIdleMs / 4), 10), 5000));
      c.reclaimTimer.unref();
      // Three refreshes per idle period: a call this consumer runs never looks abandoned, however long it takes.
      c.refreshTimer = setInterval(() => refresh(s, c), Math.max(10, Math.floor(c.claimIdleMs / 3)));
      c.refreshTimer.unref();
      s.consumers.push(c);
      mine.consumers.add(c);
      schedulePump(s);
      return {
        // A handler that never settles makes this never resolve: the call is still "being answered".
        stop: async () => {
          halt(s, c);
          // Still alive until its handlers settle: their calls keep their leases meanwhile.
          if (!c.killed) await Promise.all(c.running);
          end(c, mine.consumers);
        },
        kill: () => {
          c.killed = true;
          halt(s, c);
          end(c, mine.consumers);
        },
      };
    },

    async publish(target, body) {
      open();
      const key = targetKey(target);
      let h = s.histories.get(key);
      if (!h) s.histories.set(key, (h = { events: [], ms: 0, seq: 0, trimmed: [0, 0] }));
      const now = Date.now();
      // Like a stream id: never behind the previous one even if the clock steps back.
      const ms = Math.max(now, h.ms);
      const seq = ms === h.ms ? h.seq + 1 : 0;
      const event: StoredEvent = { ...(JSON.parse(JSON.stringify(body)) as EventBody), offset: `${s.epoch}:${ms}-${seq}`, ts: now };
      const json = JSON.stringify(event);
      h.ms = ms;
      h.seq = seq;
      h.events.push({ ms, seq, ts: now, json });
      trim(h, now, maxLen, maxAgeMs);
      emit(s, key, JSON.stringify({ kind: 'event', target, event } satisfies LiveEvent));
      return JSON.parse(json) as StoredEvent;
    },

    async history(target, since): Promise<HistoryPage> {
      open();
      const h = s.histories.get(targetKey(target));
      // Age is enforced on read too, so a quiet target does not serve stale events.
      if (h) trim(h, Date.now(), Infinity, maxAgeMs);
      const tip: Position = h ? [h.ms, h.seq] : [0, 0];
      const page = (events: StoredEvent[], recovered: boolean) => ({ events, recovered, tip: `${s.epoch}:${tip.join('-')}` });
      if (since === undefined) return page([], true);
      // One epoch per state: the state is this process's, so an offset from another process
      // (the broker before a restart) is of another epoch, and its reader missed what went with it.
      const from = positionIn(s.epoch, since);
      const recovered = !!from && comparePositions(from, h?.trimmed ?? [0, 0]) >= 0 && comparePositions(from, tip) <= 0;
      if (!recovered) return page([], false);
      const events = (h?.events ?? []).filter((e) => comparePositions([e.ms, e.seq], from) > 0);
      return page(
        events.map((e) => JSON.parse(e.json) as StoredEvent),
        true,
      );
    },

    subscribe(target, onEvent) {
      open();
      return listen(s.channels, targetKey(target), onEvent, mine.listeners);
    },

    async enter(room, user, conn, ttlMs) {
      open();
      const now = Date.now();
      prune(s, room, now);
      let users = s.presence.get(room);
      if (!users) s.presence.set(room, (users = new Map()));
      let conns = users.get(user);
      const first = !conns;
      if (!conns) users.set(user, (conns = new Map()));
      conns.set(conn, now + ttlMs);
      if (first) announce(s, room, { joined: user });
    },

    async exit(room, user, conn) {
      open();
      prune(s, room, Date.now());
      const users = s.presence.get(room);
      const conns = users?.get(user);
      if (!users || !conns?.delete(conn) || conns.size > 0) return;
      users.delete(user);
      if (users.size === 0) s.presence.delete(room);
      announce(s, room, { left: user });
    },

    async members(room) {
      open();
      prune(s, room, Date.now());
      return [...(s.presence.get(room)?.keys() ?? [])];
    },

    async advertise(worker, methods, ttlMs) {
      open();
      const until = Date.now() + ttlMs;
      for (const [name, description] of Object.entries(methods)) {
        s.methods.set(name, structuredClone(description));
        let workers = s.serving.get(name);
        if (!workers) s.serving.set(name, (workers = new Map()));
        workers.set(worker, until);
      }
    },

    async withdraw(worker, methods) {
      open();
      for (const name of methods) s.serving.get(name)?.delete(worker);
    },

    async methods() {
      open();
      const now = Date.now();
      const live = [...s.serving].filter(([, workers]) => [...workers.values()].some((until) => until > now));
      return Object.fromEntries(live.map(([name]) => [name, s.methods.get(name)]));
    },

    async ping() {
      return !mine.closed;
    },

    async close() {
      if (mine.closed) return;
      mine.closed = true;
      clearInterval(sweeper);
      // Handlers still running are not awaited (that is `Consumer.stop()`); their answers are dropped
      // and the calls stay pending (no longer refreshed) for another consumer to take over, as
      // after a worker's crash.
      for (const c of [...mine.consumers]) {
        halt(s, c);
        end(c, mine.consumers);
      }
      for (const off of [...mine.listeners]) off();
    },
  };
}

/** The claim of `key` unless its window is over (expired keys vanish lazily, as with `PX`). */
function liveClaim(s: State, key: string, now: number) {
  const claim = s.claims.get(key);
  if (claim && claim.expiresAt <= now) {
    s.claims.delete(key);
    return undefined;
  }
  return claim;
}

/**
 * Drop up to `budget` expired claims, oldest first, stopping at the first live one. Claims
 * expire in about the order they were made, so this visits little more than what it drops;
 * one with a longer window holds those behind it until it expires too (they are already
 * ignored by `liveClaim`), so the map stays bounded by the longest window's worth of calls.
 */
function dropExpiredClaims(s: State, now: number, budget: number) {
  const o = s.claimOrder;
  while (o.head < o.keys.length && budget-- > 0 && o.expires[o.head]! <= now) {
    const key = o.keys[o.head]!;
    // Claimed again since (it expired and a new call took the id): that claim has its own place.
    if (s.claims.get(key)?.expiresAt === o.expires[o.head]) s.claims.delete(key);
    o.head++;
  }
  // Compact now and then, so the arrays hold about one window of claims.
  if (o.head > 1024 && o.head * 2 > o.keys.length) {
    o.keys = o.keys.slice(o.head);
    o.expires = o.expires.slice(o.head);
    o.head = 0;
  }
}

/** Take no more requests, new or taken over. */
function halt(s: State, c: ConsumerRuntime) {
  if (c.stopped) return;
  c.stopped = true;
  clearInterval(c.reclaimTimer);
  const at = s.consumers.indexOf(c);
  if (at >= 0) s.consumers.splice(at, 1);
}

/** Stop refreshing leases: after its handlers settled, or at once when it crashed or its instance closed. */
function end(c: ConsumerRuntime, owned: Set<ConsumerRuntime>) {
  clearInterval(c.refreshTimer);
  owned.delete(c);
}

/** Coalesce every wake-up in one tick into one pass, and never run handlers inside `enqueue`. */
function schedulePump(s: State) {
  if (s.pumpQueued) return;
  s.pumpQueued = true;
  soon(() => {
    s.pumpQueued = false;
    pump(s);
  });
}

/** Hand queued requests to consumers of their method with room, round-robin, so the load spreads. */
function pump(s: State) {
  for (const entry of s.queue.values()) {
    const c = nextFree(s, entry.request.method);
    // Nobody serving this method has room: it waits (a call to another method may not).
    if (!c) continue;
    s.queue.delete(entry.seq);
    if (entry.request.deadline < Date.now()) {
      // Not run: whoever waits on the call (the caller, a resend) hears so instead of nothing.
      answerCall(s, entry, deadlineReply(entry.request));
      continue;
    }
    deliver(s, c, entry);
  }
}

function nextFree(s: State, method: string): ConsumerRuntime | undefined {
  const n = s.consumers.length;
  for (let i = 0; i < n; i++) {
    const at = (s.next + i) % n;
    const c = s.consumers[at]!;
    if (c.inFlight < c.batch && c.methods.has(method)) {
      s.next = (at + 1) % n;
      return c;
    }
  }
  return undefined;
}

/** Handlers are not supposed to throw; if one does, its caller still gets an answer. */
const handlerFailed: Answer = { error: { code: ErrorCode.InternalError, message: 'Internal error' } };

function deliver(s: State, c: ConsumerRuntime, entry: Entry, rescued = false) {
  entry.owner = c;
  entry.deliveries++;
  entry.idleSince = Date.now();
  s.pending.set(entry.seq, entry);
  c.inFlight++;
  if (rescued) c.rescued++;
  c.taken.add(entry);
  const finish = (answer: Answer) => {
    // A crashed consumer or a closed instance has lost its "connection": its answer never reaches Redis either.
    if (!c.killed && !c.instance.closed) answerCall(s, entry, answer, c.copyCalls);
    c.inFlight--;
    if (rescued) c.rescued--;
    c.taken.delete(entry);
    schedulePump(s);
  };
  let answer: Answer | Promise<Answer>;
  try {
    answer = c.handle(c.copyCalls ? jsonCopy(entry.request) : entry.request);
  } catch {
    answer = handlerFailed;
  }
  // A handler that answered at once is done here (this runs in a pump, a microtask of its own):
  // only one that waits is tracked, for `stop()` to wait for.
  if (!(answer instanceof Promise)) return finish(answer);
  const run = answer.then(finish, () => finish(handlerFailed)).finally(() => c.running.delete(run));
  c.running.add(run);
}

/** Store the reply for the claim window first, then answer `replyTo` and every waiter once. */
function answerCall(s: State, entry: Entry, answer: Answer, copy = false) {
  // A slow worker and the consumer that took its call over may both answer: the first one wins.
  if (entry.done) return;
  entry.done = true;
  s.pending.delete(entry.seq);
  const { id, user, replyTo } = entry.request;
  const reply: CallReply = answer.error ? { id, user, error: answer.error } : { id, user, result: answer.result };
  let stored = reply;
  if (copy) {
    try {
      stored = jsonCopy(reply);
    } catch {
      stored = { id, user, error: { code: ErrorCode.InternalError, message: 'Reply is not JSON' } };
    }
  }
  // Stored only under a live claim, keeping its expiry (`SET … XX KEEPTTL`): the window is the gateway's.
  const claim = liveClaim(s, claimKey(user, id), Date.now());
  if (claim) claim.reply = stored;
  const value = copy ? () => jsonCopy(stored) : () => stored;
  for (const r of replyStreams(replyTo, claim)) for (const l of s.readers.get(r) ?? []) deliverLater(l, value);
  if (claim) claim.waiters = undefined;
}

/** The caller's reply stream and those of the resends waiting on `claim`, each once. */
function replyStreams(replyTo: string, claim: ClaimEntry | undefined): string[] {
  if (!claim?.waiters?.length && (!claim || claim.caller === replyTo)) return [replyTo];
  return [...new Set([replyTo, ...(claim ? [claim.caller] : []), ...(claim?.waiters ?? [])])];
}

/**
 * `XCLAIM <itself> 0 <ids> JUSTID`: the calls this consumer still runs are its own again and
 * idle from now on; their delivery counts stay. Only a consumer that stopped refreshing (it
 * crashed, its process hangs) lets a call go idle long enough to be taken over.
 */
function refresh(s: State, c: ConsumerRuntime) {
  const now = Date.now();
  for (const entry of c.taken) {
    // Answered, dead-lettered or given up on meanwhile: there is no lease left to hold.
    if (!s.pending.has(entry.seq)) continue;
    entry.owner = c;
    entry.idleSince = now;
  }
}

/** XPENDING + XCLAIM: give up on requests idle too long, or take them over from their silent consumer. */
function reclaim(s: State, c: ConsumerRuntime) {
  const now = Date.now();
  for (const entry of s.pending.values()) {
    if (now - entry.idleSince < c.claimIdleMs) continue;
    if (entry.deliveries >= c.maxDeliveries) {
      s.dead.push({ request: entry.request, deliveries: entry.deliveries, lastConsumer: entry.owner?.name, at: now });
      if (s.dead.length > DEAD_LETTER_MAX) s.dead.shift();
      answerCall(s, entry, { error: { code: ErrorCode.InternalError, message: `Call failed after ${entry.deliveries} deliveries` } });
    } else if (entry.request.deadline < now) {
      // Its owner is gone and nobody waits for a run any more: answered so, never redelivered.
      answerCall(s, entry, deadlineReply(entry.request));
    } else if (entry.owner !== c && c.rescued < c.batch && c.methods.has(entry.request.method)) {
      // Never its own: that handler is still running here, and rerunning it beside itself helps nobody.
      // Rescued calls do not wait for a free slot (a busy consumer would starve them behind new
      // calls): they may add up to `batch` more to what it runs.
      // Map.set on an existing key keeps its place, so this loop does not meet the entry again.
      deliver(s, c, entry, true);
    }
  }
}

function sweep(s: State, now: number, maxAgeMs: number) {
  dropExpiredClaims(s, now, Infinity);
  for (const room of s.presence.keys()) prune(s, room, now);
  for (const h of s.histories.values()) trim(h, now, Infinity, maxAgeMs);
  // Queued calls past their deadline would only be answered -32003 by the next consumer: do it now.
  // Pending ones are left to their owner's answer, or to `reclaim` once the owner stops refreshing.
  for (const entry of s.queue.values()) {
    if (entry.request.deadline >= now) continue;
    s.queue.delete(entry.seq);
    answerCall(s, entry, deadlineReply(entry.request));
  }
}

/**
 * Events on Redis: a history stream per target, trimmed by count and age, for recovery, and
 * a pub/sub channel per target for live fan-out, read through one shared subscriber
 * connection that subscribes only to the targets someone listens to (docs/redis-contract.md).
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import * as z from 'zod';
import type { EventBody, HistoryPage, LiveEvent, StoredEvent, Target } from './broker.ts';
import { compareIds, defineScript, once, parseEntries, parsePairs, release, runScript, type RedisContext } from './redis-shared.ts';

const TargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user'), user: z.string() }),
  z.object({ kind: z.literal('room'), room: z.string() }),
  z.object({ kind: z.literal('broadcast') }),
]);
const UserBody = z.object({ type: z.string(), message: z.string().optional(), data: z.unknown().optional() });
const RoomBody = z.object({ event: z.string(), data: z.unknown().optional(), from: z.string().optional() });
/** A history entry's payload: the body plus its publication time (the offset is the entry id). */
const StoredPayload = z.union([UserBody.extend({ ts: z.number() }), RoomBody.extend({ ts: z.number() })]);
const StoredEventSchema = z.union([
  UserBody.extend({ ts: z.number(), offset: z.string() }),
  RoomBody.extend({ ts: z.number(), offset: z.string() }),
]);
/** What arrives on a channel, checked before listeners see it: other processes write it. */
const LiveEventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('event'), target: TargetSchema, event: StoredEventSchema }),
  z.object({ kind: z.literal('presence'), room: z.string(), joined: z.string().optional(), left: z.string().optional() }),
  z.object({ kind: z.literal('resync'), target: TargetSchema }),
]);

/**
 * Shared opening of the history scripts. KEYS[1] is the history stream, KEYS[2] its meta hash.
 *
 * `epoch(fresh)`: the stream's epoch, made from `fresh` (a random string the caller sends,
 * since scripts cannot make one) when there is none: the first time the target is touched,
 * or after Redis lost its data (a restart without persistence loses both keys). A stream
 * that had events (`tip` recorded) but is gone now lost them: a new epoch too.
 *
 * `trim(key, nowMs, maxAgeMs, maxLen)`: trimming is explicit because `history` needs the
 * newest trimmed id, and Redis 7.0 records only XDEL in `max-deleted-entry-id` (XTRIM and XADD
 * MAXLEN move `recorded-first-entry-id`, which cannot tell "your offset was the last one
 * trimmed" from "events after it are gone"). So `trim` finds the newest entry it removes and
 * stores it with XSETID MAXDELETEDID. Trimming is exact: `~` keeps whole 100-entry nodes, so
 * small limits would never trim. Age is measured on entry ids, i.e. the Redis clock.
 */
const historyLua = `
local function epoch(fresh)
  local meta = redis.call('HMGET', KEYS[2], 'epoch', 'tip')
  if meta[1] and not (meta[2] and redis.call('EXISTS', KEYS[1]) == 0) then return meta[1] end
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[2], 'epoch', fresh)
  return fresh
end
local function trim(key, nowMs, maxAgeMs, maxLen)
  local cut -- the newest entry removed
  local minMs = nowMs - maxAgeMs
  if minMs > 0 then
    local minId = string.format('%d', minMs) .. '-0'
    local old = redis.call('XREVRANGE', key, '(' .. minId, '-', 'COUNT', 1)
    if old[1] then
      cut = old[1][1]
      redis.call('XTRIM', key, 'MINID', '=', minId)
    end
  end
  local excess = redis.call('XLEN', key) - maxLen
  if excess > 0 then
    local oldest = redis.call('XRANGE', key, '-', '+', 'COUNT', excess)
    cut = oldest[#oldest][1]
    redis.call('XTRIM', key, 'MAXLEN', '=', maxLen)
  end
  if not cut then return end
  local info = redis.call('XINFO', 'STREAM', key)
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then redis.call('XSETID', key, info[i + 1], 'MAXDELETEDID', cut) end
  end
end
`;

/**
 * Append, trim and fan out in one step, so live order is offset order even with several
 * publishers (a client drops an event whose offset is not newer than the last it saw).
 * The live message is spliced around the new offset rather than built with cjson, which
 * would round numbers in the event's data.
 * KEYS: history stream, meta. ARGV: maxLen, maxAgeMs, channel, payload, live message before
 * the offset, after it, a fresh epoch. Returns the offset, `<epoch>:<id>`.
 */
export const publishScript = defineScript(`${historyLua}
local e = epoch(ARGV[7])
local id = redis.call('XADD', KEYS[1], '*', 'payload', ARGV[4])
redis.call('HSET', KEYS[2], 'tip', id)
trim(KEYS[1], tonumber(string.match(id, '^%d+')), tonumber(ARGV[2]), tonumber(ARGV[1]))
local offset = e .. ':' .. id
redis.call('PUBLISH', ARGV[3], ARGV[5] .. offset .. ARGV[6])
return offset
`);

/**
 * Trim by age first, so a quiet target does not serve stale events, then read: the epoch,
 * XINFO STREAM (flat, for the tip and the newest trimmed id) and, given an id, the entries
 * after it. KEYS: history stream, meta. ARGV: maxLen, maxAgeMs, since's id ('' for none), a
 * fresh epoch. Returns {epoch, info, range}, or {epoch} when the stream has no entry yet.
 */
const historyScript = defineScript(`${historyLua}
local e = epoch(ARGV[4])
if redis.call('EXISTS', KEYS[1]) == 0 then return { e } end
local t = redis.call('TIME')
trim(KEYS[1], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), tonumber(ARGV[2]), tonumber(ARGV[1]))
local range = {}
if ARGV[3] ~= '' then range = redis.call('XRANGE', KEYS[1], '(' .. ARGV[3], '+') end
return { e, redis.call('XINFO', 'STREAM', KEYS[1]), range }
`);

/** A new epoch: random, so two lives of a stream never share one. */
const freshEpoch = () => randomBytes(6).toString('base64url');

/** `[epoch, id]` of an offset `<epoch>:<ms>-<seq>`, or undefined when it is not one. */
function splitOffset(offset: string): [string, string] | undefined {
  const m = /^([\w-]+):(\d+-\d+)$/.exec(offset);
  return m ? [m[1]!, m[2]!] : undefined;
}

export interface EventOptions {
  historyMaxLen: number;
  historyMaxAgeMs: number;
}

export function createEvents(ctx: RedisContext, options: EventOptions) {
  const { keys } = ctx;
  /** Listeners by channel; a channel is subscribed while its set is non-empty. */
  const listeners = new Map<string, Set<(event: LiveEvent) => void>>();
  /** The target of each subscribed channel, to tell its listeners when they must resync. */
  const targets = new Map<string, Target>();
  let subscriber: Redis | undefined;

  async function publish(target: Target, body: EventBody): Promise<StoredEvent> {
    const payload = JSON.stringify({ ...body, ts: Date.now() });
    // `{"kind":"event","target":…,"event":{"offset":"<offset>",<the payload's fields>}}`
    const before = `{"kind":"event","target":${JSON.stringify(target)},"event":{"offset":"`;
    const after = `",${payload.slice(1)}}`;
    const args = [options.historyMaxLen, options.historyMaxAgeMs, keys.channel(target), payload, before, after, freshEpoch()];
    const offset = String(await ctx.command((c) => runScript(c, publishScript, [keys.history(target), keys.meta(target)], args)));
    return toEvent(offset, payload);
  }

  /** A stored event from its offset and payload, as `history` and the live channel show it. */
  function toEvent(offset: string, payload: string): StoredEvent {
    return { ...StoredPayload.parse(JSON.parse(payload)), offset };
  }

  /**
   * History is only ever trimmed from its start, so nothing after `since` is missing exactly
   * when `since` is of the stream's epoch, ≥ max-deleted-entry-id (kept by `trim`), and not
   * beyond the tip (an offset beyond the tip comes from a history that went back in time,
   * e.g. Redis restarted from an older snapshot).
   */
  async function history(target: Target, since?: string): Promise<HistoryPage> {
    const key = keys.history(target);
    const from = since === undefined ? undefined : splitOffset(since);
    const args = [options.historyMaxLen, options.historyMaxAgeMs, from?.[1] ?? '', freshEpoch()];
    const raw = await ctx.command((c) => runScript(c, historyScript, [key, keys.meta(target)], args));
    const [epoch, info, range] = Array.isArray(raw) ? raw : [];
    const ids = parsePairs(info);
    const tipId = String(ids.get('last-generated-id') ?? '0-0');
    const tip = `${String(epoch)}:${tipId}`;
    if (since === undefined) return { events: [], recovered: true, tip };
    const trimmedUpTo = String(ids.get('max-deleted-entry-id') ?? '0-0');
    const recovered = !!from && from[0] === String(epoch) && compareIds(from[1], trimmedUpTo) >= 0 && compareIds(from[1], tipId) <= 0;
    if (!recovered) return { events: [], recovered, tip };
    const events: StoredEvent[] = [];
    for (const entry of parseEntries(range)) {
      try {
        events.push(toEvent(`${String(epoch)}:${entry.id}`, entry.fields.payload ?? ''));
      } catch (error) {
        ctx.report(error, `malformed history entry ${key} ${entry.id}`);
      }
    }
    return { events, recovered, tip };
  }

  function onMessage(channel: string, message: string) {
    const set = listeners.get(channel);
    if (!set) return;
    let event: LiveEvent;
    try {
      event = LiveEventSchema.parse(JSON.parse(message));
    } catch (error) {
      ctx.report(error, `malformed live event on ${channel}`);
      return;
    }
    tell(set, event, channel);
  }

  function tell(set: Set<(event: LiveEvent) => void>, event: LiveEvent, channel: string) {
    for (const listener of [...set]) {
      try {
        listener(event);
      } catch (error) {
        ctx.report(error, `listener on ${channel}`);
      }
    }
  }

  /**
   * The subscriber connection is back after a drop (or Redis restarted): subscribe again to
   * every channel someone listens to, then tell their listeners to resync, since whatever was
   * published while the connection was down never arrived. Done here rather than by ioredis's
   * own resubscribe, so "subscribed again" is known before anyone reads history.
   */
  async function resubscribe(sub: Redis) {
    const channels = [...listeners.keys()];
    if (channels.length === 0) return;
    try {
      await sub.subscribe(...channels);
    } catch (error) {
      // Lost again already: the next 'ready' comes back here.
      ctx.report(error, 'resubscribe');
      return;
    }
    for (const channel of channels) {
      const set = listeners.get(channel);
      const target = targets.get(channel);
      if (set && target) tell(set, { kind: 'resync', target }, channel);
    }
  }

  function subscriberConnection(): Redis {
    if (subscriber) return subscriber;
    const sub = ctx.connect('subscriber', { autoResubscribe: false });
    let wasReady = false;
    sub.on('message', onMessage);
    sub.on('ready', () => {
      if (wasReady && !ctx.isClosed()) void resubscribe(sub);
      wasReady = true;
    });
    return (subscriber = sub);
  }

  /** Ref-counted: SUBSCRIBE with the first listener of a channel, UNSUBSCRIBE with the last. */
  function subscribe(target: Target, onEvent: (event: LiveEvent) => void): () => void {
    if (ctx.isClosed()) return () => {};
    const channel = keys.channel(target);
    const sub = subscriberConnection();
    let set = listeners.get(channel);
    if (!set) {
      listeners.set(channel, (set = new Set()));
      targets.set(channel, target);
      sub.subscribe(channel).catch((error: unknown) => ctx.report(error, `subscribe ${channel}`));
    }
    // A wrapper per call, so the same function subscribed twice counts twice.
    const listener = (event: LiveEvent) => onEvent(event);
    const own = set;
    own.add(listener);
    return once(() => {
      own.delete(listener);
      if (own.size > 0 || listeners.get(channel) !== own) return;
      listeners.delete(channel);
      targets.delete(channel);
      if (!ctx.isClosed()) sub.unsubscribe(channel).catch((error: unknown) => ctx.report(error, `unsubscribe ${channel}`));
    });
  }

  async function close() {
    listeners.clear();
    targets.clear();
    if (subscriber) await release(subscriber);
  }

  return { publish, history, subscribe, close };
}

/**
 * Events on Redis: a history stream per target, trimmed by count and age, for recovery, and
 * a pub/sub channel per target for live fan-out, read through one shared subscriber
 * connection that subscribes only to the targets someone listens to (DESIGN §4).
 */
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
const RoomBody = z.object({ event: z.string(), data: z.unknown().optional() });
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
]);

/**
 * Shared opening of the history scripts: `trim(key, nowMs, maxAgeMs, maxLen)`.
 *
 * Trimming is explicit because `history` needs the newest trimmed id, and Redis 7.0 records
 * only XDEL in `max-deleted-entry-id` (XTRIM and XADD MAXLEN move `recorded-first-entry-id`,
 * which cannot tell "your offset was the last one trimmed" from "events after it are gone").
 * So `trim` finds the newest entry it removes and stores it with XSETID MAXDELETEDID.
 * Trimming is exact: `~` keeps whole 100-entry nodes, so small limits would never trim.
 * Age is measured on entry ids, i.e. the Redis clock, like the ids themselves.
 */
const trimLua = `
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
 * The live message is spliced around the new id rather than built with cjson, which would
 * round numbers in the event's data.
 * KEYS: history stream. ARGV: maxLen, maxAgeMs, channel, payload, live message before the id, after it.
 */
const publishScript = defineScript(`${trimLua}
local id = redis.call('XADD', KEYS[1], '*', 'payload', ARGV[4])
trim(KEYS[1], tonumber(string.match(id, '^%d+')), tonumber(ARGV[2]), tonumber(ARGV[1]))
redis.call('PUBLISH', ARGV[3], ARGV[5] .. id .. ARGV[6])
return id
`);

/**
 * Trim by age first, so a quiet target does not serve stale events, then read: XINFO STREAM
 * (flat, for the tip and the newest trimmed id) and, given an offset, the entries after it.
 * KEYS: history stream. ARGV: maxLen, maxAgeMs, since ('' for none). Returns {info, range}, {} when there is no stream.
 */
const historyScript = defineScript(`${trimLua}
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
local t = redis.call('TIME')
trim(KEYS[1], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), tonumber(ARGV[2]), tonumber(ARGV[1]))
local range = {}
if ARGV[3] ~= '' then range = redis.call('XRANGE', KEYS[1], '(' .. ARGV[3], '+') end
return { redis.call('XINFO', 'STREAM', KEYS[1]), range }
`);

export interface EventOptions {
  historyMaxLen: number;
  historyMaxAgeMs: number;
}

export function createEvents(ctx: RedisContext, options: EventOptions) {
  const { keys } = ctx;
  /** Listeners by channel; a channel is subscribed while its set is non-empty. */
  const listeners = new Map<string, Set<(event: LiveEvent) => void>>();
  let subscriber: Redis | undefined;

  async function publish(target: Target, body: EventBody): Promise<StoredEvent> {
    const payload = JSON.stringify({ ...body, ts: Date.now() });
    // `{"kind":"event","target":…,"event":{"offset":"<id>",<the payload's fields>}}`
    const before = `{"kind":"event","target":${JSON.stringify(target)},"event":{"offset":"`;
    const after = `",${payload.slice(1)}}`;
    const args = [options.historyMaxLen, options.historyMaxAgeMs, keys.channel(target), payload, before, after];
    const id = String(await runScript(ctx.cmd, publishScript, [keys.history(target)], args));
    return toEvent(id, payload);
  }

  /** A stored event from its entry id and payload, as `history` and the live channel show it. */
  function toEvent(offset: string, payload: string): StoredEvent {
    return { ...StoredPayload.parse(JSON.parse(payload)), offset };
  }

  /**
   * History is only ever trimmed from its start, so nothing after `since` is missing exactly
   * when `since` ≥ max-deleted-entry-id (kept by `trim`). An offset beyond the tip comes from
   * a stream that was lost (a Redis restart without persistence): not recovered either.
   */
  async function history(target: Target, since?: string): Promise<HistoryPage> {
    const key = keys.history(target);
    const args = [options.historyMaxLen, options.historyMaxAgeMs, since ?? ''];
    const raw = await runScript(ctx.cmd, historyScript, [key], args);
    const [info, range] = Array.isArray(raw) ? raw : [];
    const ids = parsePairs(info);
    const tip = String(ids.get('last-generated-id') ?? '0-0');
    if (since === undefined) return { events: [], recovered: true, tip };
    const events: StoredEvent[] = [];
    for (const entry of parseEntries(range)) {
      try {
        events.push(toEvent(entry.id, entry.fields.payload ?? ''));
      } catch (error) {
        ctx.report(error, `malformed history entry ${key} ${entry.id}`);
      }
    }
    const trimmedUpTo = String(ids.get('max-deleted-entry-id') ?? '0-0');
    const recovered = compareIds(since, trimmedUpTo) >= 0 && compareIds(since, tip) <= 0;
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
    for (const listener of [...set]) {
      try {
        listener(event);
      } catch (error) {
        ctx.report(error, `listener on ${channel}`);
      }
    }
  }

  /** Ref-counted: SUBSCRIBE with the first listener of a channel, UNSUBSCRIBE with the last. */
  function subscribe(target: Target, onEvent: (event: LiveEvent) => void): () => void {
    if (ctx.isClosed()) return () => {};
    const channel = keys.channel(target);
    // ioredis resubscribes this connection's channels after a reconnect by itself.
    subscriber ??= ctx.connect('subscriber').on('message', onMessage);
    const sub = subscriber;
    let set = listeners.get(channel);
    if (!set) {
      listeners.set(channel, (set = new Set()));
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
      if (!ctx.isClosed()) sub.unsubscribe(channel).catch((error: unknown) => ctx.report(error, `unsubscribe ${channel}`));
    });
  }

  async function close() {
    listeners.clear();
    if (subscriber) await release(subscriber);
  }

  return { publish, history, subscribe, close };
}

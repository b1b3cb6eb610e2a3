/**
 * What the Redis broker's modules share: the key names of the Redis contract (docs/redis-contract.md) in
 * one place, the context each module runs in, and the narrowing of raw Redis replies.
 *
 * Replies are read with `call()` as `unknown` and narrowed here once, so the rest of the
 * driver works with typed values. Connections speak RESP2 (see `redis.ts`), so these are
 * the RESP2 shapes.
 */
import { createHash } from 'node:crypto';
import type { Redis, RedisOptions } from 'ioredis';
import { BrokerUnavailableError, keyPart, targetKey, type Target } from './broker.ts';

/** The consumer group every worker reads requests through. */
export const GROUP = 'tether-workers';

/**
 * Every key and channel of the contract, under `prefix`. Text that comes from users (user ids,
 * room names, call ids) enters a key only as a `keyPart` (`<bytes>:<text>`), so no two keys
 * can be confused, whatever the text.
 */
export function redisKeys(prefix: string) {
  return {
    /** A method's stream of `CallRequest`s (field `payload`), read by the `tether-workers` group of the workers that serve it. */
    rpc: (method: string) => `${prefix}rpc:${keyPart(method)}`,
    /** Hash: method name → JSON description, written by workers for `system.describe`. */
    methods: `${prefix}methods`,
    /** Sorted set: `<method as a key part><worker>` → until when that worker serves it (epoch ms, Redis clock). */
    serving: `${prefix}serving`,
    /** Requests that were malformed or failed too often (fields `payload`, `reason`). */
    dead: `${prefix}rpc:dead`,
    /** Idempotency record of a call: `{"state":"pending"}` or `{"state":"done","reply":<CallReply>}`. */
    call: (user: string, id: string) => `${prefix}call:${keyPart(user)}${keyPart(id)}`,
    /** Reply streams of the gateways that sent the same call again while it ran. */
    waiters: (user: string, id: string) => `${prefix}waiters:${keyPart(user)}${keyPart(id)}`,
    /** A gateway's reply stream (field `payload`: `CallReply`). */
    reply: (replyTo: string) => `${prefix}reply:${replyTo}`,
    /** A target's event history (field `payload`: the body plus `ts`; the entry id is the offset's `<ms>-<seq>`). */
    history: (t: Target) => `${prefix}hist:${targetKey(t)}`,
    /** A target's history metadata: hash with `epoch`, and `tip` once it had an event. */
    meta: (t: Target) => `${prefix}meta:${targetKey(t)}`,
    /** A target's live channel (`LiveEvent` JSON). */
    channel: (t: Target) => `${prefix}ev:${targetKey(t)}`,
    /** Sorted set of a room's connections, `<user>\0<conn>` → expiry (epoch ms). */
    presence: (room: string) => `${prefix}presence:${keyPart(room)}`,
    /** Hash of a room's users → live connection count, so "was it the last one" is O(1). */
    presenceUsers: (room: string) => `${prefix}presence-users:${keyPart(room)}`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;

/** What every module of the driver gets from the composition root. */
export interface RedisContext {
  keys: RedisKeys;
  /**
   * The shared connection for non-blocking commands. It queues nothing while Redis is away:
   * send through `command` (or `gated`), which waits a bounded time for it to be back.
   */
  cmd: Redis;
  /**
   * Run `send` on `cmd` once it is connected, waiting at most `brokerTimeoutMs` for that, and
   * at most `brokerTimeoutMs` more for the answer. Fails with `BrokerUnavailableError`:
   * `sent: false` when Redis never came back in time (nothing happened), `sent: true` when
   * the command left but its answer did not come (it may or may not have run).
   */
  command<T>(send: (conn: Redis) => Promise<T>): Promise<T>;
  /** A new connection of its own, for a blocking reader or the subscriber. */
  connect(role: string, options?: RedisOptions): Redis;
  /** Report an error nobody awaits (a reader that lost Redis, a malformed entry). */
  report(error: unknown, where: string): void;
  /** Whether the broker was closed: late work is dropped, not reported. */
  isClosed(): boolean;
}

/** One stream entry with its fields. */
export interface StreamEntry {
  id: string;
  fields: Record<string, string>;
}

const isArray = (v: unknown): v is unknown[] => Array.isArray(v);

/** `[[id, [field, value, …]], …]` (XRANGE, XCLAIM). Deleted entries (`null` fields) keep an empty record. */
export function parseEntries(raw: unknown): StreamEntry[] {
  if (!isArray(raw)) return [];
  const entries: StreamEntry[] = [];
  for (const item of raw) {
    if (!isArray(item) || typeof item[0] !== 'string') continue;
    const fields: Record<string, string> = {};
    const flat = isArray(item[1]) ? item[1] : [];
    for (let i = 0; i + 1 < flat.length; i += 2) fields[String(flat[i])] = String(flat[i + 1]);
    entries.push({ id: item[0], fields });
  }
  return entries;
}

/** XREAD / XREADGROUP on one stream: `null` on timeout, else `[[key, entries]]`. */
export function parseRead(raw: unknown): StreamEntry[] {
  if (!isArray(raw) || !isArray(raw[0])) return [];
  return parseEntries(raw[0][1]);
}

/** XREADGROUP on several streams: the entries of each stream that had some. */
export function parseReadAll(raw: unknown): { stream: string; entries: StreamEntry[] }[] {
  if (!isArray(raw)) return [];
  return raw.flatMap((item) => (isArray(item) && typeof item[0] === 'string' ? [{ stream: item[0], entries: parseEntries(item[1]) }] : []));
}

/** A flat `[name, value, …]` reply (XINFO STREAM) as a map. */
export function parsePairs(raw: unknown): Map<string, unknown> {
  const pairs = new Map<string, unknown>();
  if (isArray(raw)) for (let i = 0; i + 1 < raw.length; i += 2) pairs.set(String(raw[i]), raw[i + 1]);
  return pairs;
}

/** Extended XPENDING: `[[id, consumer, idleMs, deliveries], …]`. */
export function parsePending(raw: unknown): { id: string; consumer: string; deliveries: number }[] {
  if (!isArray(raw)) return [];
  return raw.flatMap((row) =>
    isArray(row) && typeof row[0] === 'string' ? [{ id: row[0], consumer: String(row[1]), deliveries: Number(row[3]) }] : [],
  );
}

/** Compare stream ids (`<ms>-<seq>`) numerically: both parts, so `10-0` > `9-5`. */
export function compareIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  const ms = BigInt(am) - BigInt(bm);
  const d = ms !== 0n ? ms : BigInt(as) - BigInt(bs);
  return d > 0n ? 1 : d < 0n ? -1 : 0;
}

/** The code of a Redis error reply (`NOGROUP`, `BUSYGROUP`, `NOSCRIPT`, …), if it is one. */
export function errorCode(error: unknown): string | undefined {
  return error instanceof Error ? /^[A-Z]+/.exec(error.message)?.[0] : undefined;
}

/** A Lua script, run by sha with a fallback to its source when the server does not know it yet. */
export interface Script {
  lua: string;
  sha: string;
}
export function defineScript(lua: string): Script {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}
export async function runScript(conn: Redis, script: Script, keys: string[], args: (string | number)[]): Promise<unknown> {
  try {
    return await conn.call('EVALSHA', script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    // A restarted server has an empty script cache.
    if (errorCode(error) !== 'NOSCRIPT') throw error;
    return conn.call('EVAL', script.lua, keys.length, ...keys, ...args);
  }
}

/** Resolve after `ms`, or at once when `signal` aborts (a loop being stopped). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * `promise`, or a rejection once `signal` aborts. Loops need it to end while Redis is away:
 * ioredis never settles the commands queued on a connection that was disconnected while it
 * waited to reconnect.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => {});
  if (signal.aborted) return Promise.reject(new Error('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** `promise`, or a rejection after `ms`; a late rejection of `promise` is swallowed. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  promise.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** One wait for 'ready' per connection, shared by every command waiting on it. */
const readiness = new WeakMap<Redis, Promise<void>>();

/** True once `conn` is ready, false if it was not within `ms`. */
export function whenReady(conn: Redis, ms: number): Promise<boolean> {
  if (conn.status === 'ready') return Promise.resolve(true);
  let ready = readiness.get(conn);
  if (!ready) {
    ready = new Promise<void>((resolve) => conn.once('ready', resolve)).finally(() => readiness.delete(conn));
    readiness.set(conn, ready);
  }
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([ready.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)))]).finally(() => clearTimeout(timer));
}

/** `ctx.command`: see `RedisContext`. */
export function gated(conn: Redis, brokerTimeoutMs: number) {
  return async <T>(send: (conn: Redis) => Promise<T>): Promise<T> => {
    const end = Date.now() + brokerTimeoutMs;
    for (;;) {
      if (!(await whenReady(conn, Math.max(0, end - Date.now())))) {
        throw new BrokerUnavailableError(`Redis did not answer for ${brokerTimeoutMs} ms`, false);
      }
      const answer = send(conn);
      answer.catch(() => {});
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new BrokerUnavailableError(`Redis sent no answer within ${brokerTimeoutMs} ms`, true)), brokerTimeoutMs);
      });
      try {
        return await Promise.race([answer, late]);
      } catch (error) {
        if (error instanceof BrokerUnavailableError || isReplyError(error)) throw error;
        // Refused before leaving: the connection is dropping though not yet marked so. Wait for it.
        const unsent = /isn't writeable/.test(error instanceof Error ? error.message : '');
        if (unsent && Date.now() < end) {
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        // The connection broke under the command: whether it ran is unknown.
        throw new BrokerUnavailableError(`Redis connection lost: ${error instanceof Error ? error.message : String(error)}`, !unsent, { cause: error });
      } finally {
        clearTimeout(timer);
      }
    }
  };
}

/** An error reply from Redis itself (WRONGTYPE, NOSCRIPT, a script's error): Redis is there. */
const isReplyError = (error: unknown) => error instanceof Error && error.name === 'ReplyError';

/** Close a connection politely when Redis is there, at once when it is not. */
export async function release(conn: Redis): Promise<void> {
  if (conn.status === 'ready') await withTimeout(conn.quit(), 1000).catch(() => {});
  conn.disconnect();
}

/** A function that runs `fn` the first time and returns that same result afterwards. */
export function once<T>(fn: () => T): () => T {
  let done = false;
  let result: T;
  return () => {
    if (!done) {
      done = true;
      result = fn();
    }
    return result;
  };
}

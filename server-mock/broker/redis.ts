/**
 * The Redis broker: N gateways × M workers over Redis Streams, consumer groups and pub/sub,
 * with the contract of docs/redis-contract.md (plain commands and JSON, so a worker in any language can
 * join). This file opens the connections and puts the parts together:
 *
 * - `redis-calls.ts`    gateway side of calls: claim, enqueue, the reply stream reader
 * - `redis-consumer.ts` worker side of calls: consumers, take-over, dead letters
 * - `redis-events.ts`   history, live fan-out, the shared subscriber
 * - `redis-presence.ts` who is in a room
 *
 * Connections: one for ordinary commands, one per blocking reader (each `replies` loop and
 * each consumer; a blocked connection serves nobody else), and one subscriber, opened with
 * the first `subscribe`. ioredis reconnects all of them by itself; the loops survive that.
 *
 * While Redis is away, nothing waits in an unbounded queue: a command waits at most
 * `brokerTimeoutMs` for Redis to be back and then fails with `BrokerUnavailableError`, so a
 * gateway answers its callers -32005 instead of running their calls long after they gave up.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Broker, BrokerOptions } from './broker.ts';
import { createCalls } from './redis-calls.ts';
import { createConsumers } from './redis-consumer.ts';
import { createDirectory } from './redis-directory.ts';
import { createEvents } from './redis-events.ts';
import { createPresence } from './redis-presence.ts';
import { gated, redisKeys, release, withTimeout, type RedisContext } from './redis-shared.ts';

export interface RedisBrokerOptions extends BrokerOptions {
  /** Where Redis is: `redis://[[user]:password@]host[:port][/db]`. */
  url: string;
  /**
   * Errors nobody awaits: a reader that lost Redis (reported once per outage and connection),
   * a malformed entry, a listener that threw.
   * @default logs with console.warn
   */
  onError?: (error: unknown, where: string) => void;
  /**
   * How long a command waits for an unreachable Redis to come back, and then for its answer,
   * before it fails with `BrokerUnavailableError` (a gateway answers its call -32005).
   * @default 3000
   */
  brokerTimeoutMs?: number;
}

/** How long `ping` waits for PONG before calling Redis unavailable. */
const PING_TIMEOUT_MS = 1000;

const defaultOnError = (error: unknown, where: string) =>
  console.warn(`[tether redis] ${where}: ${error instanceof Error ? error.message : String(error)}`);

/**
 * Connect to Redis and make sure the workers' group exists. Rejects when Redis does not
 * answer at start (a misconfigured URL should fail loudly); later outages are ridden out.
 */
export async function createRedisBroker(options: RedisBrokerOptions): Promise<Broker> {
  const prefix = options.prefix ?? 'tether:';
  const report = options.onError ?? defaultOnError;
  let closed = false;

  const connect = (role: string, extra: RedisOptions = {}) => {
    const conn = new Redis(options.url, {
      // The reply shapes `redis-shared.ts` reads (RESP3's "legacy" mapping flattens XREAD's map).
      protocol: 2,
      // Visible in CLIENT LIST; CLIENT SETNAME refuses spaces.
      connectionName: `tether:${role}`.replace(/[^\w:.-]/g, '_'),
      ...extra,
    });
    // One report per outage: ioredis emits an error on every failed reconnect attempt.
    let quiet = false;
    conn.on('error', (error: unknown) => {
      if (!quiet && !closed) report(error, `connection ${role}`);
      quiet = true;
    });
    conn.on('ready', () => (quiet = false));
    return conn;
  };

  const cmd = connect('commands', {
    lazyConnect: true,
    // Nothing queues while Redis is away (`ctx.command` waits a bounded time instead), and a
    // command cut off by a dropped connection fails rather than being sent again: resending a
    // PUBLISH or an XADD that did run would store it twice.
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    // Not `enableAutoPipelining`: it saves a write per command with many calls in flight, but
    // costs more than that with few, and moves the paced p99 (bench/findings.md).
  });
  // The cause (ECONNREFUSED, …) arrives as an event; connect() only says the connection closed.
  let cause: unknown;
  const noteCause = (error: unknown) => (cause ??= error);
  cmd.on('error', noteCause);
  try {
    await cmd.connect();
  } catch (error) {
    cmd.disconnect();
    const reason = cause ?? error;
    throw new Error(`Redis at ${options.url} did not answer: ${reason instanceof Error ? reason.message : String(reason)}`, {
      cause: reason,
    });
  }
  cmd.off('error', noteCause);

  const brokerTimeoutMs = options.brokerTimeoutMs ?? 3000;
  const ctx: RedisContext = {
    keys: redisKeys(prefix),
    cmd,
    command: gated(cmd, brokerTimeoutMs),
    connect,
    report,
    isClosed: () => closed,
  };
  const calls = createCalls(ctx);
  const directory = createDirectory(ctx);
  const consumers = createConsumers(ctx);
  const events = createEvents(ctx, {
    historyMaxLen: options.historyMaxLen ?? 1000,
    historyMaxAgeMs: options.historyMaxAgeMs ?? 600_000,
  });
  const presence = createPresence(ctx);

  return {
    name: 'redis',
    claim: calls.claim,
    enqueue: calls.enqueue,
    submit: calls.submit,
    replies: calls.replies,
    consume: consumers.consume,
    publish: events.publish,
    history: events.history,
    subscribe: events.subscribe,
    enter: presence.enter,
    exit: presence.exit,
    members: presence.members,

    advertise: directory.advertise,
    withdraw: directory.withdraw,
    methods: directory.methods,

    async ping() {
      if (closed) return false;
      try {
        return (await withTimeout(cmd.ping(), PING_TIMEOUT_MS)) === 'PONG';
      } catch {
        return false;
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([calls.close(), consumers.close(), events.close()]);
      await release(cmd);
    },
  };
}

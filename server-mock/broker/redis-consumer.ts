/**
 * The worker side of calls on Redis: a consumer of the `tether-workers` group on the request
 * stream of each method it serves (calls are routed by method), that runs requests, stores
 * each reply for the idempotency window before answering the caller and every waiter, keeps
 * the leases of the requests it runs fresh, and takes over the requests whose consumer
 * stopped refreshing them because it died (docs/redis-contract.md).
 */
import type { ChainableCommander } from 'ioredis';
import { CallRequest, deadlineReply, type CallHandler, type CallReply, type ConsumeOptions, type Consumer } from './broker.ts';
import {
  GROUP,
  abortable,
  defineScript,
  errorCode,
  once,
  parseEntries,
  parsePending,
  parseReadAll,
  release,
  runScript,
  sleep,
  type RedisContext,
  type StreamEntry,
} from './redis-shared.ts';

/** Dead-lettered requests kept, approximately. */
const DEAD_MAX_LEN = 100_000;
/** Bounds the reply stream of a gateway that is gone; a live gateway deletes what it reads. */
const REPLY_MAX_LEN = 1000;
/** A reply stream nobody has written to for this long disappears (gateways get new ids when they restart). */
const REPLY_TTL_MS = 24 * 60 * 60 * 1000;
/** Longest XREADGROUP block: bounds how late a stopped loop notices when CLIENT UNBLOCK cannot reach Redis. */
const READ_BLOCK_MAX_MS = 1000;

/**
 * Answer a call in one round trip: store the reply in the call's key (XX KEEPTTL: only a
 * claimed call has a key, and it keeps its window), so that a resend joining the waiters
 * after this finds the stored reply (see the claim script); XADD it to the caller's reply
 * stream and every waiter's; drop the waiters (nobody joins once the reply is stored); XACK.
 * Atomic, so a worker dying half-way leaves the request pending, to be run and answered again.
 * The waiters' reply streams are not in KEYS: they are known only from SMEMBERS, which a
 * standalone Redis allows (the contract does not support Redis Cluster).
 * KEYS: call key, waiters set, requests stream, the caller's reply stream.
 * ARGV: call record, reply, entry id, group, reply stream maxLen, reply stream ttl ms, reply key prefix.
 */
export const answerScript = defineScript(`
redis.call('SET', KEYS[1], ARGV[1], 'XX', 'KEEPTTL')
local targets = { [KEYS[4]] = true }
for _, replyTo in ipairs(redis.call('SMEMBERS', KEYS[2])) do targets[ARGV[7] .. replyTo] = true end
for key in pairs(targets) do
  redis.call('XADD', key, 'MAXLEN', '~', ARGV[5], '*', 'payload', ARGV[2])
  redis.call('PEXPIRE', key, ARGV[6])
end
redis.call('DEL', KEYS[2])
redis.call('XACK', KEYS[3], ARGV[4], ARGV[3])
`);

/** Who is waiting for a call's reply. */
interface Caller {
  id: string;
  user: string;
  replyTo: string;
}

/** Create the workers' group (and the stream) on each stream unless it exists. From `0`: nothing in a stream without a group was ever delivered. */
export async function ensureGroups(ctx: RedisContext, streams: readonly string[]): Promise<void> {
  const replies = (await ctx.command((c) => streams.reduce((p, key) => p.call('XGROUP', 'CREATE', key, GROUP, '0', 'MKSTREAM'), c.pipeline()).exec())) ?? [];
  for (const [error] of replies) if (error && errorCode(error) !== 'BUSYGROUP') throw error;
}

/** The results of a pipeline, throwing its first error. */
async function results(pipeline: ChainableCommander): Promise<unknown[]> {
  const results = (await pipeline.exec()) ?? [];
  return results.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

/** A request's payload, or why it is not one and whom to tell if that much can be read. */
function decode(payload: string): { request: CallRequest } | { reason: string; caller?: Caller } {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return { reason: 'payload is not JSON' };
  }
  const parsed = CallRequest.safeParse(json);
  if (parsed.success) return { request: parsed.data };
  const reason = `invalid request: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`;
  if (typeof json !== 'object' || json === null) return { reason };
  const { id, user, replyTo } = json as Record<string, unknown>;
  const readable = typeof id === 'string' && typeof user === 'string' && typeof replyTo === 'string';
  return readable ? { reason, caller: { id, user, replyTo } } : { reason };
}

export function createConsumers(ctx: RedisContext) {
  const { keys } = ctx;
  /** `halt` of every running consumer, for `close`. */
  const running = new Set<() => Promise<void>>();

  /**
   * Store the reply in the call's key first, then answer the caller and every waiter, then
   * acknowledge (see `answerScript`). A dead letter goes first: once acknowledged, the
   * request is gone from the group.
   */
  async function answer(stream: string, caller: Caller, reply: CallReply, entryId: string, deadLetter?: { payload: string; reason: string }) {
    if (deadLetter) {
      const { payload, reason } = deadLetter;
      await ctx.command((c) => c.call('XADD', keys.dead, 'MAXLEN', '~', DEAD_MAX_LEN, '*', 'payload', payload, 'reason', reason));
    }
    await ctx.command((c) =>
      runScript(
        c,
        answerScript,
        [keys.call(caller.user, caller.id), keys.waiters(caller.user, caller.id), stream, keys.reply(caller.replyTo)],
        [JSON.stringify({ state: 'done', reply }), JSON.stringify(reply), entryId, GROUP, REPLY_MAX_LEN, REPLY_TTL_MS, keys.reply('')],
      ),
    );
  }

  /** Move an entry to the dead-letter stream, answer its caller with `error` if known, acknowledge it. */
  async function bury(stream: string, entryId: string, payload: string, reason: string, caller: Caller | undefined, error: CallReply['error']) {
    if (caller) return answer(stream, caller, { id: caller.id, user: caller.user, error }, entryId, { payload, reason });
    await ctx.command((c) =>
      results(
        c
          .pipeline()
          .call('XADD', keys.dead, 'MAXLEN', '~', DEAD_MAX_LEN, '*', 'payload', payload, 'reason', reason)
          .call('XACK', stream, GROUP, entryId),
      ),
    );
  }

  function consume(name: string, handle: CallHandler, options: ConsumeOptions): Consumer {
    if (ctx.isClosed()) return { stop: async () => {}, kill: () => {} };
    /** One request stream per method served: calls to other methods never reach this consumer. */
    const streams = [...new Set(options.methods)].map((m) => keys.rpc(m));
    const batch = Math.max(1, options.batch ?? 16);
    const claimIdleMs = options.claimIdleMs ?? 10_000;
    const maxDeliveries = options.maxDeliveries ?? 3;
    // Look for abandoned requests four times per idle period (so one waits at most ~1.25 ×
    // claimIdleMs, well within the 1.5 × promised), but at least once a second.
    const rescueEveryMs = Math.max(10, Math.min(claimIdleMs / 4, 1000));
    // Three lease refreshes per idle period: a call running here never looks abandoned.
    const refreshEveryMs = Math.max(10, claimIdleMs / 3);
    const reader = ctx.connect(`consumer:${name}`);
    /** The reader's CLIENT ID, for CLIENT UNBLOCK; a new connection gets a new one. */
    let readerId: string | undefined;
    reader.on('close', () => (readerId = undefined));
    /** Requests this consumer is running, by stream and entry id: at most `batch` new ones plus `rescued`. */
    const inFlight = new Map<string, { stream: string; id: string; done: Promise<void> }>();
    const slot = (stream: string, id: string) => `${stream}\u0000${id}`;
    /** Of those, the ones taken over from dead consumers: at most `batch`. */
    let rescued = 0;
    /** Stop taking requests; a read already sent may still deliver some, and they are run. */
    const stopping = new AbortController();
    /** Stop waiting for Redis: it cannot be reached, so nothing more can be delivered anyway. */
    const abandon = new AbortController();
    const redis = <T>(command: Promise<T>) => abortable(command, abandon.signal);
    /** Crashed (`kill`): takes nothing more, answers and acknowledges nothing. */
    let killed = false;

    async function runEntry(stream: string, entry: StreamEntry, deliveries: number) {
      const payload = entry.fields.payload ?? '';
      const decoded = decode(payload);
      if (!('request' in decoded)) {
        return bury(stream, entry.id, payload, decoded.reason, decoded.caller, { code: -32600, message: 'Invalid request' });
      }
      const { request } = decoded;
      if (deliveries > maxDeliveries) {
        const message = `Call failed after ${deliveries - 1} deliveries`;
        return bury(stream, entry.id, payload, message, request, { code: -32603, message });
      }
      if (request.deadline < Date.now()) {
        // Not run, but answered like a run: a resend waiting on the call's key must hear something.
        return answer(stream, request, deadlineReply(request), entry.id);
      }
      const out = await (async () => handle(request))().catch((error: unknown) => {
        // Handlers should not throw; if one does, its caller still gets an answer.
        ctx.report(error, `handler of ${request.method}`);
        return { error: { code: -32603, message: 'Internal error' } };
      });
      // A closed broker or a crashed consumer has no connection left; the request stays pending and is taken over.
      if (ctx.isClosed() || killed) return;
      const reply = { ...out, id: request.id, user: request.user };
      // The call ran: keep trying to deliver its answer while Redis is away (storing it twice is
      // harmless, running the call again is not), until nobody can be waiting for it any more.
      for (let attempt = 0; ; attempt++) {
        try {
          return await answer(stream, request, reply, entry.id);
        } catch (error) {
          if (ctx.isClosed() || killed || Date.now() > request.deadline + claimIdleMs) throw error;
          if (attempt === 0) ctx.report(error, `consumer ${name}: answering ${request.id}, will retry`);
          await sleep(100 + Math.random() * 200);
        }
      }
    }

    function take(stream: string, entry: StreamEntry, deliveries: number, rescue = false) {
      // Read just before the crash: it stays pending under this name, to be taken over.
      if (killed) return;
      if (rescue) rescued++;
      const key = slot(stream, entry.id);
      const done = runEntry(stream, entry, deliveries)
        .catch((error: unknown) => {
          // Unanswered and unacknowledged: it stays pending and is taken over after claimIdleMs.
          if (!ctx.isClosed()) ctx.report(error, `consumer ${name}`);
        })
        .finally(() => {
          inFlight.delete(key);
          if (rescue) rescued--;
        });
      inFlight.set(key, { stream, id: entry.id, done });
    }

    /**
     * Take over requests idle for claimIdleMs. XPENDING + XCLAIM rather than XAUTOCLAIM,
     * because XAUTOCLAIM also hands a consumer back the requests it is still running: a slow
     * handler would reset its own call's idle time and spend its deliveries. XCLAIM re-checks
     * the idle time, so two rescuers never both get a request.
     */
    async function rescue() {
      // Not limited by the free slots: abandoned calls go ahead of new ones, or a consumer kept
      // busy by new calls would leave them waiting until the load drops (up to `batch` extra).
      let room = batch - rescued;
      if (room <= 0) return;
      // Enough rows for `room` candidates after skipping the ones running here; every stream in one round trip.
      const rows = room + inFlight.size;
      const pending = await redis(ctx.command((c) => results(streams.reduce((p, key) => p.call('XPENDING', key, GROUP, 'IDLE', claimIdleMs, '-', '+', rows), c.pipeline()))));
      const claims: { stream: string; delivered: Map<string, number> }[] = [];
      streams.forEach((stream, i) => {
        const candidates = parsePending(pending[i]).filter((p) => !inFlight.has(slot(stream, p.id))).slice(0, room);
        room -= candidates.length;
        if (candidates.length) claims.push({ stream, delivered: new Map(candidates.map((p) => [p.id, p.deliveries])) });
      });
      if (claims.length === 0) return;
      const claimed = await redis(
        ctx.command((c) => results(claims.reduce((p, { stream, delivered }) => p.call('XCLAIM', stream, GROUP, name, claimIdleMs, ...delivered.keys()), c.pipeline()))),
      );
      // XCLAIM counts one more delivery.
      claims.forEach(({ stream, delivered }, i) => {
        for (const entry of parseEntries(claimed[i])) take(stream, entry, (delivered.get(entry.id) ?? 0) + 1, true);
      });
    }

    /**
     * `XCLAIM … <itself> 0 <ids> JUSTID`: the requests running here stay this consumer's and
     * their idle time starts over, without counting a delivery, so `rescue` elsewhere leaves
     * them alone. (Should another consumer have taken one over after all, say while Redis was
     * unreachable, this takes it back; whichever answers first is the answer.) Not abortable
     * like the other commands: `stop` keeps refreshing while it waits for its handlers.
     */
    let refreshing = false;
    let refreshFailed = false;
    async function refresh() {
      if (refreshing || inFlight.size === 0 || ctx.isClosed()) return;
      refreshing = true;
      try {
        const byStream = new Map<string, string[]>();
        for (const { stream, id } of inFlight.values()) byStream.set(stream, [...(byStream.get(stream) ?? []), id]);
        await ctx.command((c) => results([...byStream].reduce((p, [stream, ids]) => p.call('XCLAIM', stream, GROUP, name, 0, ...ids, 'JUSTID'), c.pipeline())));
        refreshFailed = false;
      } catch (error) {
        // Once per outage; the next tick tries again.
        if (!refreshFailed && !ctx.isClosed()) ctx.report(error, `consumer ${name} lease refresh`);
        refreshFailed = true;
      } finally {
        refreshing = false;
      }
    }
    const refresher = setInterval(() => void refresh(), refreshEveryMs);
    refresher.unref();

    const loop = (async () => {
      // Rescue at once: a worker that starts is often replacing one that died.
      let nextRescue = 0;
      while (!stopping.signal.aborted) {
        try {
          if (Date.now() >= nextRescue) {
            nextRescue = Date.now() + rescueEveryMs;
            await rescue();
          }
          const free = batch - inFlight.size;
          if (free <= 0) {
            await Promise.race([...[...inFlight.values()].map((f) => f.done), sleep(nextRescue - Date.now(), stopping.signal)]);
            continue;
          }
          readerId ??= String(await redis(reader.call('CLIENT', 'ID')));
          if (stopping.signal.aborted) break;
          const blockMs = Math.min(READ_BLOCK_MAX_MS, Math.max(10, nextRescue - Date.now()));
          const raw = await redis(
            reader.call('XREADGROUP', 'GROUP', GROUP, name, 'COUNT', free, 'BLOCK', blockMs, 'STREAMS', ...streams, ...streams.map(() => '>')),
          );
          // Taken even when stopping meanwhile: delivered to this consumer means answered by it.
          for (const { stream, entries } of parseReadAll(raw)) for (const entry of entries) take(stream, entry, 1);
        } catch (error) {
          if (stopping.signal.aborted) break;
          if (errorCode(error) === 'NOGROUP') {
            // The stream is gone (a Redis restart without persistence): recreate it and its group.
            try {
              await redis(ensureGroups(ctx, streams));
              continue;
            } catch (groupError) {
              error = groupError;
            }
          }
          // Redis went away: ioredis reconnects by itself, the loop just tries again.
          ctx.report(error, `consumer ${name}`);
          await sleep(200 + Math.random() * 800, stopping.signal);
        }
      }
    })();

    /**
     * End the read loop promptly. CLIENT UNBLOCK makes a pending XREADGROUP return as if it
     * timed out, so no request already delivered is lost (disconnecting could drop a reply in
     * flight). It is repeated until the loop ends, since it may overtake the XREADGROUP it
     * targets. When Redis cannot be reached there is nothing to wait for: abandon the read.
     */
    const endLoop = once(async () => {
      stopping.abort();
      let ended = false;
      void loop.then(() => (ended = true));
      for (const giveUp = Date.now() + 2000; !ended && Date.now() < giveUp && reader.status === 'ready'; ) {
        if (readerId !== undefined && ctx.cmd.status === 'ready') ctx.cmd.call('CLIENT', 'UNBLOCK', readerId).catch(() => {});
        await Promise.race([loop, sleep(50)]);
      }
      abandon.abort();
      await loop;
    });

    /** For `close`: stop reading and drop the connection; running handlers are abandoned and their requests taken over. */
    const halt = once(async () => {
      running.delete(halt);
      clearInterval(refresher);
      await endLoop();
      reader.disconnect();
    });
    running.add(halt);

    return {
      stop: once(async () => {
        if (killed) return;
        await endLoop();
        // Alive until the last handler settles: the refresher keeps their leases meanwhile.
        await Promise.all([...inFlight.values()].map((f) => f.done));
        clearInterval(refresher);
        running.delete(halt);
        await release(reader);
      }),
      kill() {
        if (killed) return;
        killed = true;
        clearInterval(refresher);
        running.delete(halt);
        // A crashed process's connection just drops: no CLIENT UNBLOCK, no goodbye. What a read in
        // flight delivered stays pending under this name.
        stopping.abort();
        abandon.abort();
        reader.disconnect();
      },
    };
  }

  async function close() {
    await Promise.all([...running].map((halt) => halt()));
  }

  return { consume, close };
}

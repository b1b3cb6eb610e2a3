/**
 * The gateway side of calls on Redis: claim a (user, id) before enqueueing, add the request
 * to the workers' stream, and read this gateway's reply stream (docs/redis-contract.md).
 */
import * as z from 'zod';
import { CallReply, type CallRequest, type Claim } from './broker.ts';
import { abortable, defineScript, once, parseRead, runScript, sleep, type RedisContext } from './redis-shared.ts';

/** Requests kept in the stream (acknowledged or not), approximately. */
const REQUESTS_MAX_LEN = 100_000;
/** Replies read per round of the reply loop. */
const REPLIES_PER_READ = 100;
/** How long one read of the reply loop blocks; `stop` does not wait for it (it disconnects). */
const REPLIES_BLOCK_MS = 1000;

/** What the idempotency key of a call holds. */
export const CallState = z.discriminatedUnion('state', [
  z.object({ state: z.literal('pending') }),
  z.object({ state: z.literal('done'), reply: CallReply }),
]);

/**
 * SET NX the pending record; if the call is known and still pending, join its waiters. One
 * script, so it cannot interleave with the worker's "store the reply, then read the waiters":
 * either it sees the stored reply, or its waiter is in the set before the worker reads it.
 * A new call with a payload is added to the requests stream in the same step (`submit`: one
 * round trip per call); `claim` alone passes no payload.
 * KEYS: call key, waiters set, requests stream. ARGV: replyTo, windowMs, payload or '', maxLen.
 * Returns nil for a new call, else the record.
 */
const claimScript = defineScript(`
if redis.call('SET', KEYS[1], '{"state":"pending"}', 'NX', 'PX', ARGV[2]) then
  if ARGV[3] ~= '' then redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '*', 'payload', ARGV[3]) end
  return nil
end
local record = redis.call('GET', KEYS[1])
if cjson.decode(record).state == 'pending' then
  redis.call('SADD', KEYS[2], ARGV[1])
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
return record
`);

/** A stored call record as a `Claim`; `null` (the script set the key) is a new call. */
function toClaim(record: unknown): Claim {
  if (record === null) return { status: 'new' };
  const state = CallState.parse(JSON.parse(String(record)));
  return state.state === 'done' ? { status: 'done', reply: state.reply } : { status: 'pending' };
}

export function createCalls(ctx: RedisContext) {
  const { keys } = ctx;
  const readers = new Set<() => Promise<void>>();

  async function run(user: string, id: string, method: string, replyTo: string, windowMs: number, payload: string): Promise<Claim> {
    const keysOf = [keys.call(user, id), keys.waiters(user, id), keys.rpc(method)];
    return toClaim(await ctx.command((c) => runScript(c, claimScript, keysOf, [replyTo, windowMs, payload, REQUESTS_MAX_LEN])));
  }
  // Nothing is enqueued without a payload, so the stream key is only there to declare one.
  const claim = (user: string, id: string, replyTo: string, windowMs: number) => run(user, id, '', replyTo, windowMs, '');
  const submit = (request: CallRequest, windowMs: number) =>
    run(request.user, request.id, request.method, request.replyTo, windowMs, JSON.stringify(request));

  async function enqueue(request: CallRequest): Promise<void> {
    await ctx.command((c) => c.call('XADD', keys.rpc(request.method), 'MAXLEN', '~', REQUESTS_MAX_LEN, '*', 'payload', JSON.stringify(request)));
  }

  /**
   * One blocking XREAD loop on a connection of its own. It deletes what it has read, so the
   * stream holds only unread replies: starting from `0-0` then loses none that arrived before
   * the first read (and hands the gateway leftovers of a previous run, which it ignores).
   */
  function replies(replyTo: string, onReply: (reply: CallReply) => void): () => Promise<void> {
    if (ctx.isClosed()) return async () => {};
    const key = keys.reply(replyTo);
    const conn = ctx.connect(`replies:${replyTo}`);
    const stopped = new AbortController();
    let lastId = '0-0';

    const loop = (async () => {
      while (!stopped.signal.aborted) {
        try {
          const read = conn.call('XREAD', 'COUNT', REPLIES_PER_READ, 'BLOCK', REPLIES_BLOCK_MS, 'STREAMS', key, lastId);
          const raw = await abortable(read, stopped.signal);
          const entries = parseRead(raw);
          if (entries.length === 0) continue;
          for (const entry of entries) {
            lastId = entry.id;
            deliver(entry.fields.payload, onReply);
          }
          await abortable(conn.call('XDEL', key, ...entries.map((e) => e.id)), stopped.signal);
        } catch (error) {
          if (stopped.signal.aborted) break;
          // Redis went away: ioredis reconnects by itself, the loop just tries again.
          ctx.report(error, `replies ${replyTo}`);
          await sleep(200 + Math.random() * 800, stopped.signal);
        }
      }
    })();

    const stop = once(async () => {
      stopped.abort();
      // Disconnecting fails the pending XREAD at once (a QUIT would queue behind it); nothing is
      // lost, unread replies stay in the stream.
      conn.disconnect();
      await loop;
      readers.delete(stop);
    });
    readers.add(stop);
    return stop;
  }

  function deliver(payload: string | undefined, onReply: (reply: CallReply) => void) {
    let reply: CallReply;
    try {
      reply = CallReply.parse(JSON.parse(payload ?? ''));
    } catch (error) {
      ctx.report(error, 'malformed reply');
      return;
    }
    try {
      onReply(reply);
    } catch (error) {
      ctx.report(error, 'reply listener');
    }
  }

  async function close() {
    await Promise.all([...readers].map((stop) => stop()));
  }

  return { claim, enqueue, submit, replies, close };
}

/**
 * The gateway's half of a call: claim (user, id) so a resend never runs twice, hand new calls
 * to the broker (or to the RPC proxy), and route each reply back to every connection waiting
 * for it. A reply can be awaited by several connections at once: the original and a resend
 * from a reconnected client that reached this gateway before the answer did.
 */
import { ErrorCode, type Id } from 'tether-rpc/protocol';
import { BrokerUnavailableError, type Broker, type CallReply, type CallRequest } from '../broker/broker.ts';
import type { Session } from './session.ts';

export type Outcome = 'ok' | 'error' | 'timeout' | 'rejected';

export interface CallsRouterOptions {
  broker: Broker;
  gatewayId: string;
  callTimeoutMs: number;
  /**
   * How long a call's (user, id) is remembered, so a resend is answered and not run again.
   * Absent: until the call's deadline plus `resendGraceMs`, after which nobody waits for it
   * (a client gives up on a call at its own deadline, 30 s by default like the gateway's).
   */
  resendWindowMs?: number | undefined;
  /** See `resendWindowMs`. @default 10000 */
  resendGraceMs?: number | undefined;
  /** Centrifugo-style RPC proxy: when set, calls go to it instead of the workers. */
  proxy?: ((request: CallRequest) => Promise<Omit<CallReply, 'id' | 'user'>>) | undefined;
  onDone?: ((method: string, outcome: Outcome, seconds: number) => void) | undefined;
  onBrokerError?: ((op: string, error: unknown) => void) | undefined;
}

/** The default of `resendGraceMs`. */
export const RESEND_GRACE_MS = 10_000;

interface Waiting {
  method: string;
  started: number;
  /** When it is answered -32003 if no reply came. */
  deadline: number;
  /** The connection waiting, with the id form it used (string or number); none once it went away. */
  session: Session | undefined;
  id: Id;
  /** Other connections waiting (resends that reached this gateway meanwhile). Made only then. */
  more: Map<Session, Id> | undefined;
}

const timedOut = { error: { code: ErrorCode.Timeout, message: 'Timed out waiting for a worker' } };

export function createCallsRouter(o: CallsRouterOptions) {
  /**
   * Calls waiting for an answer, in the order they came, which is the order of their deadlines
   * (every call gets the same timeout). One timer watches the first deadline instead of one
   * timer per call: setting and clearing a timer per call was measurable, and so was the GC
   * work for its object.
   */
  const waiting = new Map<string, Waiting>();
  const keyOf = (user: string, id: Id) => `${user}\u0000${String(id)}`;
  const grace = o.resendGraceMs ?? RESEND_GRACE_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timerAt = 0;

  /** Answer -32003 to every call past its deadline, then watch the next deadline. */
  function expire() {
    timer = undefined;
    const now = Date.now();
    for (const [key, w] of waiting) {
      if (w.deadline > now) break;
      settle(key, timedOut, 'timeout');
    }
    watch();
  }

  /**
   * Arm the timer for the first deadline, unless it is armed: an armed timer fires at or before
   * any later call's deadline. (Asking the map for its first entry per call would not do: a
   * Map walks over the entries deleted at its front until it is rehashed.)
   */
  function watch() {
    if (timer) return;
    const first = waiting.values().next();
    if (first.done) return;
    timerAt = first.value.deadline;
    timer = setTimeout(expire, Math.max(0, timerAt - Date.now()));
  }

  function answer(session: Session, id: Id, reply: Omit<CallReply, 'id' | 'user'>) {
    session.pending--;
    if (reply.error) session.error(id, reply.error.code, reply.error.message, reply.error.data);
    else session.result(id, reply.result ?? null);
  }

  function settle(key: string, reply: Omit<CallReply, 'id' | 'user'>, outcome?: Outcome) {
    const w = waiting.get(key);
    if (!w) return;
    waiting.delete(key);
    if (w.session) answer(w.session, w.id, reply);
    if (w.more) for (const [session, id] of w.more) answer(session, id, reply);
    o.onDone?.(w.method, outcome ?? (reply.error ? 'error' : 'ok'), (Date.now() - w.started) / 1000);
  }

  const stopReplies = o.proxy
    ? async () => {}
    : o.broker.replies(o.gatewayId, (reply) => settle(keyOf(reply.user, reply.id), reply));

  return {
    /** Route a call from an authenticated session. */
    async call(session: Session, id: Id, method: string, params: unknown) {
      const user = session.user!;
      const key = keyOf(user, id);
      const existing = waiting.get(key);
      session.pending++;
      if (existing) {
        // A resend reached us while the original waits.
        if (existing.session === session || !existing.session) [existing.session, existing.id] = [session, id];
        else (existing.more ??= new Map()).set(session, id);
        return;
      }
      const now = Date.now();
      const deadline = now + o.callTimeoutMs;
      waiting.set(key, { method, started: now, deadline, session, id, more: undefined });
      watch();
      const request: CallRequest = {
        id: String(id),
        method,
        params,
        user,
        conn: session.id,
        gateway: o.gatewayId,
        replyTo: o.gatewayId,
        deadline,
      };
      try {
        if (o.proxy) return settle(key, await o.proxy(request));
        const claim = await o.broker.submit(request, o.resendWindowMs ?? o.callTimeoutMs + grace);
        if (claim.status === 'done') return settle(key, claim.reply);
      } catch (error) {
        o.onBrokerError?.(o.proxy ? 'proxy' : 'enqueue', error);
        // The call may have reached the workers (the connection broke after the request left):
        // its answer may still come, so it waits for it, as long as its deadline allows.
        if (!o.proxy && error instanceof BrokerUnavailableError && error.sent) return;
        settle(key, { error: { code: ErrorCode.Unavailable, message: 'No broker to take the call' } }, 'rejected');
      }
    },

    /** A connection went away: its waits end, the calls themselves run on. */
    forget(session: Session) {
      for (const w of waiting.values()) {
        if (w.more?.delete(session) || w.session !== session) continue;
        // The first waiter went away: a resend on another connection, if any, takes its place.
        const next = w.more?.entries().next();
        if (next && !next.done) {
          [w.session, w.id] = next.value;
          w.more!.delete(w.session);
        } else w.session = undefined;
      }
    },

    /** Calls still waiting for an answer. */
    size: () => waiting.size,

    /** Answer every waiting call with `error` (shutdown), then stop reading replies. */
    async close(error?: { code: number; message: string }) {
      if (error) for (const key of [...waiting.keys()]) settle(key, { error }, 'rejected');
      clearTimeout(timer);
      timer = undefined;
      await stopReplies();
    },
  };
}

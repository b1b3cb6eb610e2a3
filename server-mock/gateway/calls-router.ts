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
  resendWindowMs: number;
  /** Centrifugo-style RPC proxy: when set, calls go to it instead of the workers. */
  proxy?: ((request: CallRequest) => Promise<Omit<CallReply, 'id' | 'user'>>) | undefined;
  onDone?: ((method: string, outcome: Outcome, seconds: number) => void) | undefined;
  onBrokerError?: ((op: string, error: unknown) => void) | undefined;
}

interface Waiting {
  method: string;
  started: number;
  timer: ReturnType<typeof setTimeout>;
  /** Connections waiting, each with the id form it used (string or number). */
  waiters: Map<Session, Id>;
}

export function createCallsRouter(o: CallsRouterOptions) {
  const waiting = new Map<string, Waiting>();
  const keyOf = (user: string, id: Id) => `${user}\u0000${String(id)}`;

  function settle(key: string, reply: Omit<CallReply, 'id' | 'user'>, outcome?: Outcome) {
    const w = waiting.get(key);
    if (!w) return;
    waiting.delete(key);
    clearTimeout(w.timer);
    for (const [session, id] of w.waiters) {
      session.pending--;
      if (reply.error) session.error(id, reply.error.code, reply.error.message, reply.error.data);
      else session.result(id, reply.result ?? null);
    }
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
        existing.waiters.set(session, id); // a resend reached us while the original waits
        return;
      }
      const timer = setTimeout(
        () => settle(key, { error: { code: ErrorCode.Timeout, message: 'Timed out waiting for a worker' } }, 'timeout'),
        o.callTimeoutMs,
      );
      waiting.set(key, { method, started: Date.now(), timer, waiters: new Map([[session, id]]) });
      const request: CallRequest = {
        id: String(id),
        method,
        params,
        user,
        conn: session.id,
        gateway: o.gatewayId,
        replyTo: o.gatewayId,
        deadline: Date.now() + o.callTimeoutMs,
      };
      try {
        if (o.proxy) return settle(key, await o.proxy(request));
        const claim = await o.broker.submit(request, o.resendWindowMs);
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
      for (const w of waiting.values()) w.waiters.delete(session);
    },

    /** Calls still waiting for an answer. */
    size: () => waiting.size,

    /** Answer every waiting call with `error` (shutdown), then stop reading replies. */
    async close(error?: { code: number; message: string }) {
      if (error) for (const key of [...waiting.keys()]) settle(key, { error }, 'rejected');
      await stopReplies();
    },
  };
}

/**
 * The gateway's logic, independent of any transport (Hocuspocus's Server over its core):
 * `connect(socket)` gives a connection whose frames go to `receive()`. This file composes the
 * parts and routes frames to them: the handshake (`handshake.ts`), rooms (`rooms.ts`), calls
 * (`calls-router.ts`), live fan-out (`fanout.ts`), replays (`replay.ts`, `session.ts`) and
 * heartbeats (`heartbeats.ts`). `server.ts` adapts `ws` and HTTP to it.
 */
import { nanoid } from 'nanoid';
import type { Logger } from 'pino';
import { CloseCode, ErrorCode } from '../../src/protocol/codes.ts';
import { decode } from '../../src/protocol/decode-any.ts';
import type { Broker, CallReply, CallRequest } from '../broker/broker.ts';
import type { Verify } from './auth.ts';
import { createCallsRouter, type Outcome } from './calls-router.ts';
import { createFanout } from './fanout.ts';
import { createHandshake, SERVER } from './handshake.ts';
import { createHeartbeats } from './heartbeats.ts';
import { createGatewayRooms, type AuthorizeRoom } from './rooms.ts';
import { Session, type SessionSocket } from './session.ts';
import { systemMethod } from './system-methods.ts';

export { SERVER };

export interface GatewayCoreOptions {
  broker: Broker;
  verify: Verify;
  gatewayId?: string;
  heartbeatMs?: number;
  authTimeoutMs?: number;
  callTimeoutMs?: number;
  maxFrameBytes?: number;
  callsPerSecond?: number;
  maxPendingCalls?: number;
  maxBufferedBytes?: number;
  /**
   * A replay (what a resuming client missed of one stream) larger than this is not sent: the
   * client is told the stream was not recovered (`gap`) and refetches instead.
   */
  replayMaxBytes?: number;
  /** A replay that cannot go out for this long (the client does not read) closes it as a slow consumer. */
  replayStallMs?: number;
  resendWindowMs?: number;
  /** Send `token.expiring` this long before the token's `exp`. */
  tokenExpiringMs?: number;
  /** May `user` join (or publish to) `room`? @default members may publish, anyone may join */
  authorizeRoom?: AuthorizeRoom;
  /** Centrifugo-style RPC proxy instead of workers. */
  proxy?: (request: CallRequest) => Promise<Omit<CallReply, 'id' | 'user'>>;
  /** JSON Schema of the methods, for `system.describe`. */
  describe?: () => unknown;
  logger?: Logger;
  hooks?: {
    callDone?(method: string, outcome: Outcome, seconds: number): void;
    connectionOpened?(): void;
    connectionClosed?(): void;
    brokerError?(op: string, error: unknown): void;
  };
}

/** The gateway's defaults; `config.ts` reads them too, so the CLI and the library agree. */
export const GATEWAY_DEFAULTS = {
  heartbeatMs: 25_000,
  authTimeoutMs: 10_000,
  callTimeoutMs: 30_000,
  maxFrameBytes: 65_536,
  callsPerSecond: 50,
  maxPendingCalls: 100,
  maxBufferedBytes: 1_048_576,
  replayMaxBytes: 16 * 1_048_576,
  replayStallMs: 10_000,
  resendWindowMs: 120_000,
  tokenExpiringMs: 60_000,
};

export function createGatewayCore(options: GatewayCoreOptions) {
  const o = {
    gatewayId: `gw-${nanoid(8)}`,
    ...GATEWAY_DEFAULTS,
    ...options,
  };
  const { broker } = o;
  const log = o.logger;
  const started = Date.now();
  const brokerError = (op: string, error: unknown) => {
    log?.warn({ err: error, op }, 'broker error');
    o.hooks?.brokerError?.(op, error);
  };
  const fanout = createFanout(broker, { onError: (error, where) => brokerError(where, error) });
  const router = createCallsRouter({
    broker,
    gatewayId: o.gatewayId,
    callTimeoutMs: o.callTimeoutMs,
    resendWindowMs: o.resendWindowMs,
    proxy: o.proxy,
    onDone: o.hooks?.callDone,
    onBrokerError: brokerError,
  });
  const rooms = createGatewayRooms({
    broker,
    fanout,
    authorizeRoom: o.authorizeRoom,
    presenceTtlMs: o.heartbeatMs * 3,
    replayMaxBytes: o.replayMaxBytes,
  });
  const connections = new Set<Session>();
  let draining = false;

  function cleanup(s: Session) {
    if (!connections.delete(s)) return;
    s.clearTimers();
    heartbeats.remove(s);
    router.forget(s);
    for (const room of s.rooms) rooms.leave(s, room);
    fanout.removeUser(s);
    o.hooks?.connectionClosed?.();
  }

  // Each authenticated session in turn: drop whoever did not answer the previous ping.
  const heartbeats = createHeartbeats({
    intervalMs: o.heartbeatMs,
    visit(s) {
      if (!s.alive) {
        log?.info({ conn: s.id, user: s.user }, 'no answer to ping: dropping');
        s.terminate();
        return cleanup(s);
      }
      s.alive = false;
      s.notify('ping');
      rooms.refresh(s);
    },
  });

  const handshake = createHandshake({
    broker,
    verify: o.verify,
    fanout,
    rooms,
    heartbeatMs: o.heartbeatMs,
    tokenExpiringMs: o.tokenExpiringMs,
    replayMaxBytes: o.replayMaxBytes,
    logger: log,
    onAuthenticated: (s) => heartbeats.add(s),
    end: cleanup,
  });

  // ── frames ───────────────────────────────────────────────────────────────────────────
  async function handle(s: Session, raw: string) {
    if (Buffer.byteLength(raw) > o.maxFrameBytes) return s.error(null, ErrorCode.PayloadTooLarge, 'Payload too large');
    const d = decode(raw);
    if (!d.ok) return s.error(d.error.id, d.error.code, d.error.message, d.error.data);
    const f = d.frame;
    if (f.kind === 'event') return; // pong, or a push the client echoed: nothing to answer
    if (f.kind === 'result' || f.kind === 'error') return s.error(f.id, ErrorCode.InvalidRequest, 'Invalid Request: clients send requests');
    if (!s.user) {
      if (f.kind === 'request' && f.method === 'auth') return handshake.authenticate(s, f.id, f.params.token, f.params.resume);
      return s.error(f.id, ErrorCode.Unauthenticated, 'Authenticate first');
    }
    if (draining) return s.error(f.id, ErrorCode.Unavailable, 'Gateway restarting');
    if (!s.limit.take()) return s.error(f.id, ErrorCode.RateLimited, 'Rate limited');

    if (f.kind === 'call') {
      const local = systemMethod(f.method);
      if (local) return s.result(f.id, await local(f.params, { session: s, started, gatewayId: o.gatewayId, broker, describe: o.describe, connections: connections.size }));
      if (s.pending >= o.maxPendingCalls) return s.error(f.id, ErrorCode.RateLimited, 'Too many pending calls');
      return router.call(s, f.id, f.method, f.params);
    }
    switch (f.method) {
      case 'auth':
        return s.error(f.id, ErrorCode.InvalidRequest, 'Already authenticated');
      case 'auth.refresh':
        return handshake.refresh(s, f.id, f.params.token);
      case 'rooms.join':
        return rooms.join(s, f.id, f.params.room, f.params.since);
      case 'rooms.leave':
        rooms.leave(s, f.params.room);
        return s.result(f.id, { room: f.params.room });
      case 'rooms.publish':
        return rooms.publish(s, f.id, f.params.room, f.params.event, f.params.data);
      case 'presence.get':
        return rooms.presence(s, f.id, f.params.room);
    }
  }

  return {
    gatewayId: o.gatewayId,

    /** A new transport connection. Feed it frames with `receive`, and tell it when it closed. */
    connect(socket: SessionSocket) {
      const s = new Session(`c-${nanoid(10)}`, socket, o, (slow) => {
        log?.warn({ conn: slow.id, user: slow.user }, 'slow consumer: closing');
        slow.close(CloseCode.TryAgainLater, 'slow consumer');
        cleanup(slow);
      });
      connections.add(s);
      o.hooks?.connectionOpened?.();
      s.later(o.authTimeoutMs, () => {
        if (s.user) return;
        s.close(CloseCode.AuthTimeout, 'auth timeout');
        cleanup(s);
      });
      return {
        session: s,
        receive(raw: string) {
          s.alive = true;
          handle(s, raw).catch((error: unknown) => {
            log?.error({ err: error, conn: s.id }, 'frame handling failed');
            o.hooks?.brokerError?.('frame', error);
            s.error(null, ErrorCode.InternalError, 'Internal error');
          });
        },
        /** Frames that are not text. */
        binary() {
          s.alive = true;
          s.error(null, ErrorCode.InvalidRequest, 'Invalid Request: binary frames are not supported');
        },
        closed: () => cleanup(s),
      };
    },

    /** Stop taking calls, answer or fail what is pending, then close every socket with 1012. */
    async shutdown(graceMs = 5000) {
      draining = true;
      const end = Date.now() + graceMs;
      while (router.size() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      await router.close({ code: ErrorCode.Unavailable, message: 'Gateway restarting' });
      for (const s of [...connections]) {
        s.close(CloseCode.ServiceRestart, 'restarting');
        cleanup(s);
      }
      heartbeats.stop();
      fanout.close();
    },

    stats: () => ({ connections: connections.size, pendingCalls: router.size(), subscriptions: fanout.subscriptionCount() }),
  };
}

export type GatewayCore = ReturnType<typeof createGatewayCore>;

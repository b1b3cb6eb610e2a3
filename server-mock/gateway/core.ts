/**
 * The gateway's logic, independent of any transport (Hocuspocus's Server over its core):
 * `connect(socket)` gives a connection whose frames go to `receive()`. Here live the seven
 * flows of DESIGN §1 as the gateway sees them: the auth handshake and its deadline, token
 * expiry and refresh, heartbeats, limits, calls, rooms with presence, and replay of what a
 * reconnecting client missed. `server.ts` adapts `ws` and HTTP to it.
 */
import { nanoid } from 'nanoid';
import type { Logger } from 'pino';
import { CloseCode, ErrorCode } from '../../src/protocol/codes.ts';
import type { Resume } from '../../src/protocol/client-frames.ts';
import { decode } from '../../src/protocol/decode-any.ts';
import type { Id } from '../../src/protocol/decode.ts';
import type { Broker, CallReply, CallRequest, Target } from '../broker/broker.ts';
import { targetKey } from '../broker/broker.ts';
import type { Verify } from './auth.ts';
import { createCallsRouter, type Outcome } from './calls-router.ts';
import { createFanout } from './fanout.ts';
import { Session, type SessionSocket } from './session.ts';
import { systemMethod } from './system-methods.ts';

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
  resendWindowMs?: number;
  /** Send `token.expiring` this long before the token's `exp`. */
  tokenExpiringMs?: number;
  /** May `user` join (or publish to) `room`? @default members may publish, anyone may join */
  authorizeRoom?: (user: string, room: string, action: 'join' | 'publish') => boolean | Promise<boolean>;
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

export const SERVER = { name: 'tether-gateway', version: '0.1.0' };

/** The gateway's defaults; `config.ts` reads them too, so the CLI and the library agree. */
export const GATEWAY_DEFAULTS = {
  heartbeatMs: 25_000,
  authTimeoutMs: 10_000,
  callTimeoutMs: 30_000,
  maxFrameBytes: 65_536,
  callsPerSecond: 50,
  maxPendingCalls: 100,
  maxBufferedBytes: 1_048_576,
  resendWindowMs: 120_000,
  tokenExpiringMs: 60_000,
};
const MAX_TIMER = 2 ** 31 - 1;

export function createGatewayCore(options: GatewayCoreOptions) {
  const o = {
    gatewayId: `gw-${nanoid(8)}`,
    ...GATEWAY_DEFAULTS,
    ...options,
  };
  const { broker } = o;
  const log = o.logger;
  const started = Date.now();
  const fanout = createFanout(broker);
  const router = createCallsRouter({
    broker,
    gatewayId: o.gatewayId,
    callTimeoutMs: o.callTimeoutMs,
    resendWindowMs: o.resendWindowMs,
    proxy: o.proxy,
    onDone: o.hooks?.callDone,
    onBrokerError: (op, error) => {
      log?.warn({ err: error, op }, 'broker error');
      o.hooks?.brokerError?.(op, error);
    },
  });
  const connections = new Set<Session>();
  let draining = false;
  const presenceTtl = o.heartbeatMs * 3;

  function cleanup(s: Session) {
    if (!connections.delete(s)) return;
    s.clearTimers();
    router.forget(s);
    for (const room of s.rooms) leaveRoom(s, room);
    fanout.removeUser(s);
    o.hooks?.connectionClosed?.();
  }

  // ── heartbeats: ping everyone, drop whoever did not answer the previous ping ───────────
  const sweep = setInterval(() => {
    for (const s of [...fanout.sessions()]) {
      if (!s.alive) {
        log?.info({ conn: s.id, user: s.user }, 'no answer to ping: dropping');
        s.terminate();
        cleanup(s);
        continue;
      }
      s.alive = false;
      s.notify('ping');
      for (const room of s.rooms) broker.enter(room, s.user!, s.id, presenceTtl).catch(() => {});
    }
  }, o.heartbeatMs);
  sweep.unref();

  // ── auth ─────────────────────────────────────────────────────────────────────────────
  function scheduleExpiry(s: Session, exp: number | undefined) {
    s.clearTimers();
    if (!exp) return;
    const left = exp * 1000 - Date.now();
    // Timers fire at once past 2^31-1 ms (~24.8 days); tokens often live 30 days: look again later.
    if (left - o.tokenExpiringMs > MAX_TIMER) return void s.later(MAX_TIMER, () => scheduleExpiry(s, exp));
    // The notice, then (one timer per connection at a time) the close at expiry.
    s.later(Math.max(0, left - o.tokenExpiringMs), () => {
      s.notify('token.expiring', { inMs: Math.max(0, exp * 1000 - Date.now()) });
      s.later(Math.max(0, exp * 1000 - Date.now()), () => {
        s.close(CloseCode.Unauthorized, 'token expired');
        cleanup(s);
      });
    });
  }

  const streamOf = (t: Target, method: 'notification' | 'broadcast', s: Session, since: string | undefined) =>
    s.replay(targetKey(t), method, () => broker.history(t, since), since);

  async function authenticate(s: Session, id: Id, token: string, resume: Resume | undefined) {
    const v = await o.verify(token);
    if (s.closed) return;
    if (!v.ok) {
      log?.info({ conn: s.id, reason: v.reason }, 'auth refused');
      // Keys out of reach is not the token's fault: "try later" keeps the client retrying.
      s.close(v.code === ErrorCode.Unavailable ? CloseCode.TryAgainLater : CloseCode.Unauthorized, v.reason);
      return cleanup(s);
    }
    s.user = v.user;
    scheduleExpiry(s, v.exp);
    fanout.addUser(s);
    const user = await streamOf({ kind: 'user', user: v.user }, 'notification', s, resume?.user);
    const all = await streamOf({ kind: 'broadcast' }, 'broadcast', s, resume?.broadcast);
    const rooms: Record<string, boolean> = {};
    for (const [room, since] of Object.entries(resume?.rooms ?? {})) {
      const joined = await joinRoom(s, room, since);
      if (joined) rooms[room] = joined.recovered;
    }
    s.result(id, {
      user: v.user,
      session: s.id,
      heartbeatMs: o.heartbeatMs,
      server: SERVER,
      recovered: { user: resume?.user ? user.recovered : true, broadcast: resume?.broadcast ? all.recovered : true, rooms },
      offsets: { user: user.tip, broadcast: all.tip },
    });
  }

  // ── rooms ────────────────────────────────────────────────────────────────────────────
  const allowed = (user: string, room: string, action: 'join' | 'publish', member: boolean) =>
    o.authorizeRoom ? o.authorizeRoom(user, room, action) : action === 'join' || member;

  async function joinRoom(s: Session, room: string, since: string | undefined) {
    if (!(await allowed(s.user!, room, 'join', s.rooms.has(room)))) return undefined;
    s.rooms.add(room);
    fanout.joinRoom(s, room);
    const target: Target = { kind: 'room', room };
    const page = await s.replay(
      targetKey(target),
      'room.message',
      async () => {
        const p = await broker.history(target, since);
        return { ...p, events: p.events.map((e) => ({ room, ...e })) };
      },
      since,
    );
    await broker.enter(room, s.user!, s.id, presenceTtl);
    return { room, offset: page.tip, recovered: since ? page.recovered : true };
  }

  function leaveRoom(s: Session, room: string) {
    if (!s.rooms.delete(room)) return;
    fanout.leaveRoom(s, room);
    broker.exit(room, s.user!, s.id).catch(() => {});
  }

  // ── frames ───────────────────────────────────────────────────────────────────────────
  async function handle(s: Session, raw: string) {
    if (Buffer.byteLength(raw) > o.maxFrameBytes) return s.error(null, ErrorCode.PayloadTooLarge, 'Payload too large');
    const d = decode(raw);
    if (!d.ok) return s.error(d.error.id, d.error.code, d.error.message, d.error.data);
    const f = d.frame;
    if (f.kind === 'event') return; // pong, or a push the client echoed: nothing to answer
    if (f.kind === 'result' || f.kind === 'error') return s.error(f.id, ErrorCode.InvalidRequest, 'Invalid Request: clients send requests');
    if (!s.user) {
      if (f.kind === 'request' && f.method === 'auth') return authenticate(s, f.id, f.params.token, f.params.resume);
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
      case 'auth.refresh': {
        const v = await o.verify(f.params.token);
        if (!v.ok) return s.error(f.id, v.code, v.reason);
        if (v.user !== s.user) return s.error(f.id, ErrorCode.Unauthenticated, 'Token is for another user');
        scheduleExpiry(s, v.exp);
        return s.result(f.id, { exp: v.exp ?? 0 });
      }
      case 'rooms.join': {
        const joined = await joinRoom(s, f.params.room, f.params.since);
        if (!joined) return s.error(f.id, ErrorCode.Forbidden, `Not allowed to join ${f.params.room}`);
        s.result(f.id, joined);
        // Who is there, as the presence frames that keep the client's list current.
        for (const user of await broker.members(f.params.room)) s.notify('presence', { room: f.params.room, joined: user });
        return;
      }
      case 'rooms.leave':
        leaveRoom(s, f.params.room);
        return s.result(f.id, { room: f.params.room });
      case 'rooms.publish': {
        const { room, event, data } = f.params;
        if (!(await allowed(s.user, room, 'publish', s.rooms.has(room)))) {
          return s.error(f.id, ErrorCode.Forbidden, `Not allowed to publish to ${room}`);
        }
        const stored = await broker.publish({ kind: 'room', room }, { event, data });
        return s.result(f.id, { offset: stored.offset });
      }
      case 'presence.get':
        return s.result(f.id, { room: f.params.room, members: await broker.members(f.params.room) });
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
      clearInterval(sweep);
      fanout.close();
    },

    stats: () => ({ connections: connections.size, pendingCalls: router.size(), subscriptions: fanout.subscriptionCount() }),
  };
}

export type GatewayCore = ReturnType<typeof createGatewayCore>;

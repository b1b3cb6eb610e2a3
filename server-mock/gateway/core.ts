/**
 * The gateway's logic, independent of any transport (Hocuspocus's Server over its core):
 * `connect(socket)` gives a connection whose frames go to `receive()`. This file composes the
 * parts and routes frames to them: the handshake (`handshake.ts`), rooms (`rooms.ts`), calls
 * (`calls-router.ts`), live fan-out (`fanout.ts`), replays (`replay.ts`, `session.ts`) and
 * heartbeats (`heartbeats.ts`). `server.ts` adapts `ws` and HTTP to it.
 */
import { nanoid } from 'nanoid';
import type { Logger } from 'pino';
import { CloseCode, ErrorCode, decode, type Frame, type Id, type ProtocolError } from 'tether-rpc/protocol';
import type { Broker, CallReply, CallRequest } from '../broker/broker.ts';
import type { RefusalKind, Verify, VerifyRoomToken } from './auth.ts';
import { createCallsRouter, type Outcome } from './calls-router.ts';
import { createFanout } from './fanout.ts';
import { createHandshake, SERVER } from './handshake.ts';
import { createHeartbeats } from './heartbeats.ts';
import { createMethodDirectory, type MethodDirectory } from './method-directory.ts';
import { LIMIT_DEFAULTS, type LimitName } from './limits-defaults.ts';
import { createRoomPolicy, type AuthorizeRoom, type RoomAction, type RoomDecider, type RoomPolicy } from './room-policy.ts';
import { createGatewayRooms } from './rooms.ts';
import { Session, type SessionSocket } from './session.ts';
import { createRateLimit } from './rate-limit.ts';
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
  /** Frames per second one connection may send (calls and requests). */
  callsPerSecond?: number;
  /** Frames per second one user may send over all of their connections to this gateway. */
  callsPerSecondPerUser?: number;
  maxPendingCalls?: number;
  /** Rooms one connection may be in at once (joins and the rooms resumed in its auth frame). */
  maxRoomsPerConnection?: number;
  /** Connections one user may hold on this gateway; one more is closed with 4029. */
  maxConnectionsPerUser?: number;
  /** Sockets one address may hold open before they authenticate; more are refused (HTTP 429). */
  maxPreauthPerAddress?: number;
  /** New sockets the gateway takes per second (a burst of a fifth of it); past it, upgrades get 503. @default 500 */
  upgradesPerSecond?: number;
  /** Frames a socket may send before its `auth` frame, that one included: the next closes it (4008). */
  maxFramesBeforeAuth?: number;
  maxBufferedBytes?: number;
  /**
   * A replay (what a resuming client missed of one stream) larger than this is not sent: the
   * client is told the stream was not recovered (`gap`) and refetches instead.
   */
  replayMaxBytes?: number;
  /** A replay that cannot go out for this long (the client does not read) closes it as a slow consumer. */
  replayStallMs?: number;
  /**
   * How long a call's (user, id) is remembered, so a resend is answered and not run again.
   * @default the call's deadline (`callTimeoutMs`) plus 10 s: a resend comes from a client still waiting for the call
   */
  resendWindowMs?: number | undefined;
  /** Send `token.expiring` this long before the token's `exp`. */
  tokenExpiringMs?: number;
  /**
   * Who may join, publish to and watch which room: one policy for every room operation (see
   * `room-policy.ts`; `roomPolicyFromConfig` builds the one `tether-gateway` configures).
   * Absent: `createRoomPolicy` from `authorizeRoom`, `publicRooms` and `verifyRoomToken`, so
   * with none of them no room is open, and Centrifugo's `$` and `#` rules always apply.
   */
  roomPolicy?: RoomPolicy;
  /** The application's rule, when `roomPolicy` is not given. */
  authorizeRoom?: AuthorizeRoom;
  /** Rooms anyone authenticated may join (names or globs, `*` for all), when `roomPolicy` is not given. */
  publicRooms?: string[];
  /** Checks room tokens (for `$` rooms), when `roomPolicy` is not given (`createRoomTokenVerifier`). */
  verifyRoomToken?: VerifyRoomToken;
  /** Centrifugo-style RPC proxy instead of workers. */
  proxy?: (request: CallRequest) => Promise<Omit<CallReply, 'id' | 'user'>>;
  /** JSON Schema of the methods, for `system.describe`. */
  describe?: () => unknown;
  /**
   * Which methods some worker serves: a call to any other is answered -32601 at once.
   * @default a directory read from the broker (not used with `proxy`, which decides itself)
   */
  methods?: MethodDirectory;
  logger?: Logger;
  hooks?: {
    callDone?(method: string, outcome: Outcome, seconds: number): void;
    connectionOpened?(): void;
    connectionClosed?(): void;
    brokerError?(op: string, error: unknown): void;
    /** A limit refused something (`rooms_per_connection`, `calls_per_user`, …). */
    limitTripped?(limit: LimitName): void;
    /** A token was refused, and why. */
    authRefused?(kind: RefusalKind): void;
    /** The room policy refused an operation, by the rule that decided. */
    roomRefused?(action: RoomAction, rule: RoomDecider): void;
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
  ...LIMIT_DEFAULTS,
  maxBufferedBytes: 1_048_576,
  replayMaxBytes: 16 * 1_048_576,
  replayStallMs: 10_000,
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
  const tripped = (limit: LimitName, s: Session | undefined, detail?: object) => {
    log?.info({ limit, conn: s?.id, user: s?.user, ...detail }, 'limit tripped');
    o.hooks?.limitTripped?.(limit);
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
    policy: o.roomPolicy ?? createRoomPolicy({ authorizeRoom: o.authorizeRoom, publicRooms: o.publicRooms, verifyRoomToken: o.verifyRoomToken, logger: log }),
    onRefused(s, room, action, d) {
      log?.info({ conn: s.id, user: s.user, room, action, rule: d.rule, reason: d.reason }, 'room operation refused');
      o.hooks?.roomRefused?.(action, d.rule);
    },
    presenceTtlMs: o.heartbeatMs * 3,
    replayMaxBytes: o.replayMaxBytes,
    maxRoomsPerConnection: o.maxRoomsPerConnection,
    onLimit: (s) => tripped('rooms_per_connection', s),
  });
  const ownDirectory = o.methods || o.proxy ? undefined : createMethodDirectory({ load: () => broker.methods(), logger: log });
  const directory = o.methods ?? ownDirectory;
  const connections = new Set<Session>();
  /** Sockets that have not authenticated yet, by address. */
  const preauth = new Map<string, number>();
  /**
   * New sockets per second for the whole gateway: after a crash or restart all its clients come
   * back at once, and a new process would answer every upgrade queued while it started in one
   * burst. Past the rate they are refused (503), and each client spreads its next retry.
   */
  // A fifth of a second's worth at once: no one second then takes much more than the rate (a full
  // second's burst plus a second's refill would be twice the rate).
  const admission = createRateLimit(o.upgradesPerSecond, Date.now, Math.max(1, o.upgradesPerSecond / 5));
  /** Per user: the rate limit shared by their connections here, and how many they hold. */
  const users = new Map<string, { limit: ReturnType<typeof createRateLimit>; connections: number }>();
  let draining = false;

  /** The socket authenticated or went away: it no longer counts against its address. */
  function leavePreauth(s: Session) {
    const n = (preauth.get(s.address) ?? 1) - 1;
    if (n > 0) preauth.set(s.address, n);
    else preauth.delete(s.address);
  }

  function cleanup(s: Session) {
    if (!connections.delete(s)) return;
    s.clearTimers();
    if (!s.user) leavePreauth(s);
    else {
      const u = users.get(s.user);
      if (u && --u.connections <= 0) users.delete(s.user);
    }
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
    maxFrameBytes: o.maxFrameBytes,
    maxRoomsPerConnection: o.maxRoomsPerConnection,
    logger: log,
    onRefused: (kind) => o.hooks?.authRefused?.(kind),
    admit(s, user) {
      const u = users.get(user) ?? { limit: createRateLimit(o.callsPerSecondPerUser), connections: 0 };
      if (u.connections >= o.maxConnectionsPerUser) {
        tripped('connections_per_user', s);
        return false;
      }
      u.connections++;
      users.set(user, u);
      leavePreauth(s);
      heartbeats.add(s);
      return true;
    },
    end: cleanup,
  });

  /** The frame came before `auth`: answer it, or close once the socket sent too many. */
  function beforeAuth(s: Session, id: Id | null) {
    if (++s.preAuthFrames >= o.maxFramesBeforeAuth) {
      tripped('frames_before_auth', s);
      s.close(CloseCode.AuthTimeout, 'auth must be the first frame');
      return cleanup(s);
    }
    s.error(id, ErrorCode.Unauthenticated, 'Authenticate first');
  }

  // ── frames ───────────────────────────────────────────────────────────────────────────
  /**
   * Not an async function: a call, the frame nearly every one is, goes to the router within
   * this turn, without the promise and microtask turn an `async` handler costs per frame.
   */
  function handle(s: Session, f: Frame): void | Promise<void> {
    if (f.kind === 'event') return; // pong, or a push the client echoed: nothing to answer
    if (f.kind === 'result' || f.kind === 'error') return s.error(f.id, ErrorCode.InvalidRequest, 'Invalid Request: clients send requests');
    if (f.kind === 'request' && f.method === 'auth') {
      // One identity per socket: a second auth, while the first is checked or after, is refused.
      if (s.user || s.authenticating) return s.error(f.id, ErrorCode.InvalidRequest, 'Invalid Request: this socket is authenticated already');
      s.authenticating = true;
      return handshake.authenticate(s, f.id, f.params.token, f.params.resume).finally(() => (s.authenticating = false));
    }
    if (!s.user) return s.authenticating ? s.error(f.id, ErrorCode.Unauthenticated, 'Authenticate first') : beforeAuth(s, f.id);
    if (draining) return s.error(f.id, ErrorCode.Unavailable, 'Gateway restarting');
    if (!s.limit.take()) return tripped('calls_per_connection', s), s.error(f.id, ErrorCode.RateLimited, 'Rate limited');
    if (!users.get(s.user)?.limit.take()) return tripped('calls_per_user', s), s.error(f.id, ErrorCode.RateLimited, 'Rate limited (this user)');

    if (f.kind === 'call') {
      const local = systemMethod(f.method);
      if (local) return runLocal(s, f.id, local, f.params);
      // Calls are routed by method: one no worker serves would only wait for its deadline. A
      // name not known yet reloads the directory first (a worker may have just started).
      if (directory && !directory.has(f.method)) return callUnknown(s, f.id, f.method, f.params);
      return route(s, f.id, f.method, f.params);
    }
    switch (f.method) {
      case 'auth.refresh':
        return handshake.refresh(s, f.id, f.params.token);
      case 'rooms.join':
        return rooms.join(s, f.id, f.params.room, f.params.since, f.params.token);
      case 'rooms.leave':
        rooms.leave(s, f.params.room);
        return s.result(f.id, { room: f.params.room });
      case 'rooms.publish':
        return rooms.publish(s, f.id, f.params.room, f.params.event, f.params.data);
      case 'presence.get':
        return rooms.presence(s, f.id, f.params.room);
    }
  }

  async function runLocal(s: Session, id: Id, local: NonNullable<ReturnType<typeof systemMethod>>, params: unknown) {
    s.result(id, await local(params, { session: s, started, gatewayId: o.gatewayId, broker, describe: o.describe, connections: connections.size }));
  }

  async function callUnknown(s: Session, id: Id, method: string, params: unknown) {
    if (!(await directory!.check(method))) return s.error(id, ErrorCode.MethodNotFound, `Method not found: ${method}`);
    return route(s, id, method, params);
  }

  function route(s: Session, id: Id, method: string, params: unknown) {
    // Checked right before the call counts as pending (same tick), so concurrent frames cannot all pass it.
    if (s.pending >= o.maxPendingCalls) return tripped('pending_calls', s), s.error(id, ErrorCode.RateLimited, 'Too many pending calls');
    return router.call(s, id, method, params);
  }

  /** A frame that did not decode: its error, or for an unreadable `auth` frame, the close a bad token gets. */
  function refuse(s: Session, error: ProtocolError, raw: string) {
    if (!s.user && error.method === 'auth') {
      log?.info({ conn: s.id, reason: 'no token' }, 'auth refused');
      s.close(CloseCode.Unauthorized, 'no token');
      return cleanup(s);
    }
    const id = error.id ?? readId(raw);
    if (!s.user && !s.authenticating) return beforeAuth(s, id);
    s.error(id, error.code, error.message, error.data);
  }

  return {
    gatewayId: o.gatewayId,

    /**
     * May another socket from `address` open? (Asked before the upgrade.) Why not: too many of
     * its sockets wait to authenticate (`preauth`), or the gateway takes no more this second (`busy`).
     */
    admits(address: string): 'preauth' | 'busy' | undefined {
      if ((preauth.get(address) ?? 0) >= o.maxPreauthPerAddress) {
        tripped('preauth_per_address', undefined, { address });
        return 'preauth';
      }
      return admission.take() ? undefined : 'busy';
    },

    /** A new transport connection. Feed it frames with `receive`, and tell it when it closed. */
    connect(socket: SessionSocket, address = 'local') {
      const s = new Session(`c-${nanoid(10)}`, address, socket, o, (slow) => {
        log?.warn({ conn: slow.id, user: slow.user }, 'slow consumer: closing');
        tripped('slow_consumer', slow);
        slow.close(CloseCode.TryAgainLater, 'slow consumer');
        cleanup(slow);
      });
      connections.add(s);
      preauth.set(address, (preauth.get(address) ?? 0) + 1);
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
          if (s.closed) return;
          if (Buffer.byteLength(raw) > o.maxFrameBytes) return s.error(readId(raw), ErrorCode.PayloadTooLarge, 'Payload too large');
          const d = decode(raw);
          if (!d.ok) return refuse(s, d.error, raw);
          const failed = (error: unknown) => {
            log?.error({ err: error, conn: s.id }, 'frame handling failed');
            o.hooks?.brokerError?.('frame', error);
            s.error('id' in d.frame ? d.frame.id : null, ErrorCode.InternalError, 'Internal error');
          };
          let handled: void | Promise<void>;
          try {
            handled = handle(s, d.frame);
          } catch (error) {
            return failed(error);
          }
          handled?.catch(failed);
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
      ownDirectory?.close();
      fanout.close();
    },

    stats: () => ({ connections: connections.size, pendingCalls: router.size(), subscriptions: fanout.subscriptionCount() }),
  };
}

/**
 * The id of a frame that could not be decoded (not JSON, too deep, too large), when it can
 * still be read from among its first plain members, so its caller gets an answer to its call.
 */
export function readId(raw: string): Id | null {
  const m = /^\s*\{(?:\s*"(?:[^"\\]|\\.)*"\s*:\s*(?:"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null)\s*,)*?\s*"id"\s*:\s*("(?:[^"\\]|\\.){0,200}"|-?\d{1,16})\s*[,}]/.exec(raw.slice(0, 2000));
  if (!m) return null;
  try {
    return JSON.parse(m[1]!) as Id;
  } catch {
    return null;
  }
}

export type GatewayCore = ReturnType<typeof createGatewayCore>;

/**
 * Who is on a connection: the `auth` frame and its deadline, the token's expiry with its
 * `token.expiring` notice, and `auth.refresh` on the live socket. Authenticating starts the
 * user's and the broadcast stream (and rooms resumed in the frame): the result says what
 * could be recovered, and the replays follow it.
 */
import type { Logger } from 'pino';
import { CloseCode, ErrorCode, type Id, type Resume } from 'tether-rpc/protocol';
import { targetKey, type Broker } from '../broker/broker.ts';
import type { JWTPayload } from 'jose';
import type { RefusalKind, Verify } from './auth.ts';
import type { createFanout } from './fanout.ts';
import { finishStream, startStream, type StreamStart } from './replay.ts';
import type { createGatewayRooms, RoomStart } from './rooms.ts';
import type { Session } from './session.ts';
import { nextTokenTimer } from './token-timing.ts';
import { VERSION } from '../version.ts';

export const SERVER = { name: 'tether-gateway', version: VERSION };

export interface HandshakeOptions {
  broker: Broker;
  verify: Verify;
  fanout: ReturnType<typeof createFanout>;
  rooms: ReturnType<typeof createGatewayRooms>;
  heartbeatMs: number;
  tokenExpiringMs: number;
  replayMaxBytes: number;
  /** The largest frame taken, advertised in the auth result. */
  maxFrameBytes: number;
  /** At most this many rooms are resumed from one auth frame; the others are not joined. */
  maxRoomsPerConnection: number;
  logger?: Logger | undefined;
  /** May `user` hold one more connection here? If so the session now counts as theirs (heartbeats start). */
  admit(s: Session, user: string): boolean;
  /** A token was refused (for metrics). */
  onRefused?(kind: RefusalKind): void;
  /** The session is over (closed by the handshake: refused, expired). */
  end(s: Session): void;
}

export function createHandshake(o: HandshakeOptions) {
  const log = o.logger;

  /** Take `v`'s token as the session's current one, keeping what was said about an earlier token with the same `exp`. */
  function adopt(s: Session, exp: number | undefined, claims: JWTPayload) {
    s.claims = claims;
    const same = s.token !== undefined && s.token.exp === exp;
    s.token = {
      exp,
      iat: typeof claims.iat === 'number' ? claims.iat : undefined,
      verifiedAt: same ? s.token!.verifiedAt : Date.now(),
      // A refresh that brings the same token back (a client's cache) is not a new token to warn about.
      noticeSent: same ? s.token!.noticeSent : false,
      lastNoticeAt: s.token?.lastNoticeAt,
    };
    arm(s);
  }

  /** The session's one timer for its token: `token.expiring` once, then the close at expiry (see token-timing.ts). */
  function arm(s: Session) {
    const t = s.token;
    if (!t) return;
    const step = nextTokenTimer({ ...t, now: Date.now(), tokenExpiringMs: o.tokenExpiringMs });
    if (step.action === 'none') return s.clearTimers();
    if (step.action === 'recheck') return s.later(step.inMs, () => arm(s));
    if (step.action === 'notice') {
      return s.later(step.inMs, () => {
        s.notify('token.expiring', { inMs: Math.max(0, (t.exp ?? 0) * 1000 - Date.now()) });
        t.noticeSent = true;
        t.lastNoticeAt = Date.now();
        arm(s);
      });
    }
    s.later(step.inMs, () => {
      s.close(CloseCode.Unauthorized, 'token expired');
      o.end(s);
    });
  }

  async function authenticate(s: Session, id: Id, token: string, resume: Resume | undefined) {
    const v = await o.verify(token);
    if (s.closed) return;
    if (!v.ok) {
      log?.info({ conn: s.id, kind: v.kind, reason: v.reason }, 'auth refused');
      o.onRefused?.(v.kind);
      // Keys out of reach is not the token's fault: "try later" keeps the client retrying.
      s.close(v.code === ErrorCode.Unavailable ? CloseCode.TryAgainLater : CloseCode.Unauthorized, v.reason);
      return o.end(s);
    }
    const user = v.user;
    if (!o.admit(s, user)) {
      s.close(CloseCode.RateLimited, 'too many connections for this user');
      return o.end(s);
    }
    s.user = user;
    adopt(s, v.exp, v.claims);
    // Both streams wait from now: subscribing the user makes the session a broadcast receiver
    // too, and a broadcast sent before the auth result would move the client past its replay.
    s.hold(targetKey({ kind: 'user', user }));
    s.hold(targetKey({ kind: 'broadcast' }));
    const stream = (kind: 'user' | 'broadcast', since: string | undefined) =>
      startStream({
        broker: o.broker,
        session: s,
        target: kind === 'user' ? { kind, user } : { kind },
        method: kind === 'user' ? 'notification' : 'broadcast',
        since,
        budgetBytes: o.replayMaxBytes,
        // The broadcast subscription is the gateway's, always on; the user's comes with the session.
        subscribe: () => kind === 'user' && o.fanout.addUser(s),
      });
    const starts: StreamStart[] = [];
    let mine: StreamStart, all: StreamStart;
    try {
      mine = await stream('user', resume?.user);
      starts.push(mine);
      all = await stream('broadcast', resume?.broadcast);
      starts.push(all);
    } catch (error) {
      for (const start of starts) void finishStream(s, start);
      throw error;
    }
    const rooms: Record<string, boolean> = {};
    // Like joins, one at a time up to the limit; the rest are not joined (the client joins them itself).
    const wanted = Object.entries(resume?.rooms ?? {}).slice(0, o.maxRoomsPerConnection);
    const started = await Promise.all(wanted.map(([room, since]) => o.rooms.start(s, room, since).catch(() => undefined)));
    const roomStarts = started.filter((r): r is RoomStart => r !== undefined && 'key' in r);
    for (const r of roomStarts) rooms[r.room] = r.recovered;
    if (s.closed) return;
    o.fanout.started(mine.key, mine.tip);
    o.fanout.started(all.key, all.tip);
    // The decision first: the client must know a stream is not recovered before any of its replay.
    s.result(id, {
      user,
      session: s.id,
      heartbeatMs: o.heartbeatMs,
      server: SERVER,
      recovered: { user: mine.recovered, broadcast: all.recovered, rooms },
      offsets: { user: mine.tip, broadcast: all.tip },
      maxFrameBytes: o.maxFrameBytes,
    });
    for (const start of [mine, all]) await finishStream(s, start);
    for (const start of roomStarts) await o.rooms.finish(s, start);
  }

  async function refresh(s: Session, id: Id, token: string) {
    const v = await o.verify(token);
    if (!v.ok) {
      o.onRefused?.(v.kind);
      return s.error(id, v.code, v.reason);
    }
    if (v.user !== s.user) return s.error(id, ErrorCode.Unauthenticated, 'Token is for another user');
    adopt(s, v.exp, v.claims);
    return s.result(id, { exp: v.exp ?? 0 });
  }

  return { authenticate, refresh };
}

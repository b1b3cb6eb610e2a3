/**
 * Who is on a connection: the `auth` frame and its deadline, the token's expiry with its
 * `token.expiring` notice, and `auth.refresh` on the live socket. Authenticating starts the
 * user's and the broadcast stream (and rooms resumed in the frame): the result says what
 * could be recovered, and the replays follow it.
 */
import type { Logger } from 'pino';
import { CloseCode, ErrorCode } from '../../src/protocol/codes.ts';
import type { Resume } from '../../src/protocol/client-frames.ts';
import type { Id } from '../../src/protocol/decode.ts';
import type { Broker } from '../broker/broker.ts';
import type { Verify } from './auth.ts';
import type { createFanout } from './fanout.ts';
import { finishStream, startStream, type StreamStart } from './replay.ts';
import type { createGatewayRooms, RoomStart } from './rooms.ts';
import type { Session } from './session.ts';

export const SERVER = { name: 'tether-gateway', version: '0.1.0' };
const MAX_TIMER = 2 ** 31 - 1;

export interface HandshakeOptions {
  broker: Broker;
  verify: Verify;
  fanout: ReturnType<typeof createFanout>;
  rooms: ReturnType<typeof createGatewayRooms>;
  heartbeatMs: number;
  tokenExpiringMs: number;
  replayMaxBytes: number;
  logger?: Logger | undefined;
  /** The session is authenticated (heartbeats start). */
  onAuthenticated(s: Session): void;
  /** The session is over (closed by the handshake: refused, expired). */
  end(s: Session): void;
}

export function createHandshake(o: HandshakeOptions) {
  const log = o.logger;

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
        o.end(s);
      });
    });
  }

  async function authenticate(s: Session, id: Id, token: string, resume: Resume | undefined) {
    const v = await o.verify(token);
    if (s.closed) return;
    if (!v.ok) {
      log?.info({ conn: s.id, reason: v.reason }, 'auth refused');
      // Keys out of reach is not the token's fault: "try later" keeps the client retrying.
      s.close(v.code === ErrorCode.Unavailable ? CloseCode.TryAgainLater : CloseCode.Unauthorized, v.reason);
      return o.end(s);
    }
    const user = v.user;
    s.user = user;
    scheduleExpiry(s, v.exp);
    o.onAuthenticated(s);
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
    const roomStarts: RoomStart[] = [];
    for (const [room, since] of Object.entries(resume?.rooms ?? {})) {
      const joined = await o.rooms.start(s, room, since);
      if (!joined) continue;
      rooms[room] = joined.recovered;
      roomStarts.push(joined);
    }
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
    });
    for (const start of [mine, all]) await finishStream(s, start);
    for (const start of roomStarts) await o.rooms.finish(s, start);
  }

  async function refresh(s: Session, id: Id, token: string) {
    const v = await o.verify(token);
    if (!v.ok) return s.error(id, v.code, v.reason);
    if (v.user !== s.user) return s.error(id, ErrorCode.Unauthenticated, 'Token is for another user');
    scheduleExpiry(s, v.exp);
    return s.result(id, { exp: v.exp ?? 0 });
  }

  return { authenticate, refresh };
}

/**
 * Rooms as the gateway runs them: joining (with the replay of what a rejoining member missed),
 * leaving, publishing from a client, and presence. Every operation asks the room policy
 * (`room-policy.ts`) first: a join (also one resumed in the auth frame) before any history is
 * read, presence and publishing with the session's membership.
 */
import { ErrorCode, type Id } from 'tether-rpc/protocol';
import type { Broker, Target } from '../broker/broker.ts';
import type { createFanout } from './fanout.ts';
import type { RoomAction, RoomDecision, RoomPolicy } from './room-policy.ts';
import { finishStream, startStream, type StreamStart } from './replay.ts';
import type { Session } from './session.ts';

export interface GatewayRoomsOptions {
  broker: Broker;
  fanout: ReturnType<typeof createFanout>;
  policy: RoomPolicy;
  /** A room operation was refused (for logs and metrics). */
  onRefused?(s: Session, room: string, action: RoomAction, decision: Extract<RoomDecision, { allow: false }>): void;
  /** Presence entries expire unless refreshed this often (by the heartbeats). */
  presenceTtlMs: number;
  replayMaxBytes: number;
  /** Rooms one connection may be in at once. */
  maxRoomsPerConnection: number;
  onLimit(s: Session): void;
}

/** A room joined by a session, about to replay what it missed. */
export type RoomStart = StreamStart & { room: string };
/** Why a join was refused, as the error its request gets. */
export interface Refusal {
  code: ErrorCode;
  message: string;
}

export function createGatewayRooms(o: GatewayRoomsOptions) {
  const { broker, fanout } = o;
  /** Ask the policy; on a refusal, the error to answer (and the socket closed if the application asked). */
  async function check(s: Session, room: string, action: RoomAction, roomToken?: string): Promise<Refusal | undefined> {
    const d = await o.policy({ user: s.user!, room, action, claims: s.claims ?? {}, member: s.rooms.has(room), roomToken, conn: s.id });
    if (d.allow) return undefined;
    o.onRefused?.(s, room, action, d);
    if (d.disconnect) s.close(d.disconnect.code, d.disconnect.reason);
    return { code: ErrorCode.Forbidden, message: d.reason };
  }

  /** Join `room` (if allowed) and read what the session missed since `since`; `finish` sends it. */
  async function start(s: Session, room: string, since: string | undefined, roomToken?: string): Promise<RoomStart | Refusal> {
    if (!s.rooms.has(room) && s.rooms.size >= o.maxRoomsPerConnection) {
      o.onLimit(s);
      return { code: ErrorCode.RateLimited, message: `Too many rooms (at most ${o.maxRoomsPerConnection} per connection)` };
    }
    const refused = await check(s, room, 'join', roomToken);
    if (refused) return refused;
    if (s.closed) return { code: ErrorCode.Unavailable, message: 'Connection closed' };
    s.rooms.add(room);
    const target: Target = { kind: 'room', room };
    const begun = await startStream({
      broker,
      session: s,
      target,
      method: 'room.message',
      since,
      budgetBytes: o.replayMaxBytes,
      subscribe: () => fanout.joinRoom(s, room),
    });
    fanout.started(begun.key, begun.tip);
    return { ...begun, room };
  }

  /** Replay, then enter the room's presence (announcing the user to the others if first). */
  async function finish(s: Session, joined: RoomStart) {
    await finishStream(s, joined);
    if (!s.closed && s.rooms.has(joined.room)) await broker.enter(joined.room, s.user!, s.id, o.presenceTtlMs);
  }

  function leave(s: Session, room: string) {
    if (!s.rooms.delete(room)) return;
    fanout.leaveRoom(s, room);
    broker.exit(room, s.user!, s.id).catch(() => {});
  }

  return {
    start,
    finish,
    leave,

    /** `rooms.join`: the answer (`recovered` first), who is there, then the replay. */
    async join(s: Session, id: Id, room: string, since: string | undefined, roomToken?: string) {
      const joined = await start(s, room, since, roomToken);
      if (!('key' in joined)) return s.error(id, joined.code, joined.message);
      s.result(id, { room, offset: joined.tip, recovered: joined.recovered });
      // Who is there, as the presence frames that keep the client's list current.
      for (const user of await broker.members(room)) s.notify('presence', { room, joined: user });
      await finish(s, joined);
    },

    async publish(s: Session, id: Id, room: string, event: string, data: unknown) {
      const refused = await check(s, room, 'publish');
      if (refused) return s.error(id, refused.code, refused.message);
      // The sender is who the gateway authenticated, whatever the frame says.
      const stored = await broker.publish({ kind: 'room', room }, data === undefined ? { event, from: s.user! } : { event, data, from: s.user! });
      return s.result(id, { offset: stored.offset });
    },

    /** Who is in `room`: for its members only. */
    async presence(s: Session, id: Id, room: string) {
      const refused = await check(s, room, 'presence');
      if (refused) return s.error(id, refused.code, refused.message);
      return s.result(id, { room, members: await broker.members(room) });
    },

    /** Keep the session's presence alive (from the heartbeats). */
    refresh(s: Session) {
      for (const room of s.rooms) broker.enter(room, s.user!, s.id, o.presenceTtlMs).catch(() => {});
    },
  };
}

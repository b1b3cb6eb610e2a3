/**
 * Rooms as the gateway runs them: joining (with the replay of what a rejoining member missed),
 * leaving, publishing from a client, and presence. Every operation asks the room policy first.
 */
import { ErrorCode } from '../../src/protocol/codes.ts';
import type { Id } from '../../src/protocol/decode.ts';
import type { Broker, Target } from '../broker/broker.ts';
import type { createFanout } from './fanout.ts';
import { finishStream, startStream, type StreamStart } from './replay.ts';
import type { Session } from './session.ts';

export type RoomAction = 'join' | 'publish';
/** May `user` do `action` in `room`? */
export type AuthorizeRoom = (user: string, room: string, action: RoomAction) => boolean | Promise<boolean>;

export interface GatewayRoomsOptions {
  broker: Broker;
  fanout: ReturnType<typeof createFanout>;
  /** @default anyone may join, members may publish */
  authorizeRoom?: AuthorizeRoom | undefined;
  /** Presence entries expire unless refreshed this often (by the heartbeats). */
  presenceTtlMs: number;
  replayMaxBytes: number;
}

/** A room joined by a session, about to replay what it missed. */
export type RoomStart = StreamStart & { room: string };

export function createGatewayRooms(o: GatewayRoomsOptions) {
  const { broker, fanout } = o;
  const allowed = (user: string, room: string, action: RoomAction, member: boolean) =>
    o.authorizeRoom ? o.authorizeRoom(user, room, action) : action === 'join' || member;

  /** Join `room` (if allowed) and read what the session missed since `since`; `finish` sends it. */
  async function start(s: Session, room: string, since: string | undefined): Promise<RoomStart | undefined> {
    if (!(await allowed(s.user!, room, 'join', s.rooms.has(room)))) return undefined;
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
    async join(s: Session, id: Id, room: string, since: string | undefined) {
      const joined = await start(s, room, since);
      if (!joined) return s.error(id, ErrorCode.Forbidden, `Not allowed to join ${room}`);
      s.result(id, { room, offset: joined.tip, recovered: joined.recovered });
      // Who is there, as the presence frames that keep the client's list current.
      for (const user of await broker.members(room)) s.notify('presence', { room, joined: user });
      await finish(s, joined);
    },

    async publish(s: Session, id: Id, room: string, event: string, data: unknown) {
      if (!(await allowed(s.user!, room, 'publish', s.rooms.has(room)))) {
        return s.error(id, ErrorCode.Forbidden, `Not allowed to publish to ${room}`);
      }
      const stored = await broker.publish({ kind: 'room', room }, { event, data });
      return s.result(id, { offset: stored.offset });
    },

    async presence(s: Session, id: Id, room: string) {
      return s.result(id, { room, members: await broker.members(room) });
    },

    /** Keep the session's presence alive (from the heartbeats). */
    refresh(s: Session) {
      for (const room of s.rooms) broker.enter(room, s.user!, s.id, o.presenceTtlMs).catch(() => {});
    },
  };
}

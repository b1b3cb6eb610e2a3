/**
 * Schemas of what a gateway sends: results of built-in requests and the notifications it
 * pushes. The browser client validates every incoming frame with these, so they use only
 * the cheapest `zod/mini` validators (object, string, number, boolean, array, optional);
 * each extra kind of validator costs the bundle hundreds of bytes.
 */
import * as z from 'zod/mini';

const text = z.string();
const num = z.number();
const opt = z.optional;
/** Position in an event stream, `<epoch>:<ms>-<seq>`. Order them with `compareOffsets`. */
const offset = text;
/**
 * A `recovered` flag: a boolean on the wire. Read as "only an explicit `false` means events
 * were lost", so it needs no boolean validator in the bundle (one costs about 90 bytes).
 */
const flag = opt(z.unknown());

export const WireError = z.object({ code: num, message: text, data: opt(z.unknown()) });
export type WireError = z.infer<typeof WireError>;

export const AuthResult = z.object({
  user: text,
  session: text,
  heartbeatMs: num,
  // `server: { name, version }` is sent too; the client has no use for it, so does not check it.
  /** Whether the events missed since `resume` could be replayed (absent: nothing to resume). */
  recovered: opt(z.object({ user: flag, broadcast: flag })),
  /** Stream positions at auth time, so a client that saw no event can still resume. */
  offsets: opt(z.object({ user: opt(offset), broadcast: opt(offset) })),
  /** The largest frame the gateway takes: a call whose frame is larger fails at once (-32006). */
  maxFrameBytes: opt(num),
});
export type AuthResult = z.infer<typeof AuthResult>;


/**
 * The answer to `rooms.join`. Right after it, the gateway sends one `presence` frame with
 * `joined` for every user already in the room, so the client learns who is there from the
 * same frames that keep it up to date (and its bundle carries no array validator).
 */
export const RoomJoinResult = z.object({ room: text, offset, recovered: flag });
export type RoomJoinResult = z.infer<typeof RoomJoinResult>;


/** A notification to one user, or a broadcast to all: the same shape, in different streams. */
export const NotificationParams = z.object({ offset, type: text, message: opt(text), data: opt(z.unknown()), ts: num });
export type NotificationEvent = z.infer<typeof NotificationParams>;
export const BroadcastParams = NotificationParams;
export type BroadcastEvent = NotificationEvent;

/** `from`: the user who published it from a client, stamped by the gateway (absent when a backend did). */
export const RoomMessageParams = z.object({ room: text, offset, event: text, data: opt(z.unknown()), ts: num, from: opt(text) });
export type RoomMessage = z.infer<typeof RoomMessageParams>;

/** A user (by id) entering or leaving a room: sent on their first join and last leave. */
export const PresenceParams = z.object({ room: text, joined: opt(text), left: opt(text) });
export type PresenceChange = z.infer<typeof PresenceParams>;

export const TokenExpiringParams = z.object({ inMs: num });

/**
 * Events of a stream the client is live on were lost (the broker lost them, or they were too
 * many to replay): it should refetch what they would have changed, and continue after `offset`.
 * `stream` is `user`, `broadcast` or `room` (then `room` names it).
 */
export const GapParams = z.object({ stream: text, room: opt(text), offset });
export type GapNotice = z.infer<typeof GapParams>;

export const Empty = opt(z.object({}));

/** Params of each notification a gateway sends. */
export const ServerEvents = {
  ping: Empty,
  notification: NotificationParams,
  broadcast: BroadcastParams,
  'room.message': RoomMessageParams,
  presence: PresenceParams,
  'token.expiring': TokenExpiringParams,
  gap: GapParams,
};

/**
 * Schemas of what a client sends: the params of built-in requests and its notifications.
 * The gateway validates with these, so they are strict (lengths, offset format); they
 * never enter the browser bundle.
 */
import * as z from 'zod/mini';
import { Empty } from './server-frames.ts';

const name = z.string().check(z.minLength(1), z.maxLength(200));
/**
 * `<epoch>:<ms>-<seq>` (see `offsets.ts`). The epoch is optional so a client that kept an
 * offset from before epochs can still authenticate: its offset is simply not recovered.
 */
export const Offset = z.string().check(z.regex(/^(?:[\w-]{1,32}:)?\d{1,16}-\d{1,16}$/));
const token = z.string().check(z.minLength(1), z.maxLength(16_384));

export const Resume = z.object({
  user: z.optional(Offset),
  broadcast: z.optional(Offset),
  /** Rooms to rejoin during auth, each from its offset. */
  rooms: z.optional(z.record(name, Offset)),
});
export type Resume = z.infer<typeof Resume>;

export const AuthParams = z.object({ token, resume: z.optional(Resume) });
export type AuthParams = z.infer<typeof AuthParams>;
export const AuthRefreshParams = z.object({ token });
/** `token`: a room token, for rooms that need one (`$name`, Centrifugo's private channels). */
export const RoomJoinParams = z.object({ room: name, since: z.optional(Offset), token: z.optional(token) });
export type RoomJoinParams = z.infer<typeof RoomJoinParams>;
export const RoomLeaveParams = z.object({ room: name });
export const RoomPublishParams = z.object({ room: name, event: name, data: z.optional(z.unknown()) });
export type RoomPublishParams = z.infer<typeof RoomPublishParams>;
export const PresenceGetParams = z.object({ room: name });

/** Params of each built-in request. */
export const BuiltinRequests = {
  auth: AuthParams,
  'auth.refresh': AuthRefreshParams,
  'rooms.join': RoomJoinParams,
  'rooms.leave': RoomLeaveParams,
  'rooms.publish': RoomPublishParams,
  'presence.get': PresenceGetParams,
};
export type BuiltinMethod = keyof typeof BuiltinRequests;

/** Params of each notification a client sends. */
export const ClientEvents = { pong: Empty };

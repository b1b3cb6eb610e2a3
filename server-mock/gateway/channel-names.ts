/**
 * How Centrifugo's channel names are read, in one place, so the room policy (who may join)
 * and the publish API (where a backend's event goes) never disagree about a name:
 *
 * - `$name`: a private room; joining it takes a room token;
 * - `base#alice,bob`: a user-limited room; the part after the last `#` lists, comma-separated,
 *   the only users admitted;
 * - `user#42` and `notifications#user#42` (django-cfg's personal channels): user 42's own
 *   notifications, which is the user-limited reading of the same name with one user.
 */

/** Centrifugo's `channel_private_prefix`. */
export const PRIVATE_PREFIX = '$';
/** Centrifugo's `channel_user_boundary` and `channel_user_separator`. */
export const USER_BOUNDARY = '#';
export const USER_SEPARATOR = ',';

/** A `$` room: joining it needs a room token. */
export function isPrivateRoom(room: string): boolean {
  return room.startsWith(PRIVATE_PREFIX);
}

/** The users a `#` room admits (after its last `#`), or `undefined` for a room open to rules. */
export function allowedUsers(room: string): string[] | undefined {
  const at = room.lastIndexOf(USER_BOUNDARY);
  return at < 0 ? undefined : room.slice(at + 1).split(USER_SEPARATOR);
}

/** Bases of the channels django-cfg uses for one user's notifications. */
const PERSONAL_BASES = new Set(['user', 'notifications#user']);

/**
 * The user whose notifications a Centrifugo channel names (`user#42`, `notifications#user#42`
 * → `42`), or `undefined` when the channel is a room. A personal base listing several users
 * (`user#1,2`) is a room: Tether's notifications go to one user.
 */
export function personalChannelUser(channel: string): string | undefined {
  const at = channel.lastIndexOf(USER_BOUNDARY);
  if (at < 0 || !PERSONAL_BASES.has(channel.slice(0, at))) return undefined;
  const users = allowedUsers(channel) as string[];
  return users.length === 1 && users[0] !== '' ? users[0] : undefined;
}

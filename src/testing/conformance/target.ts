/**
 * What a gateway under test gives the conformance suite: where to connect, tokens, and the
 * backend hooks that make it push (a notification, a broadcast, a room message). Every
 * target also runs the two methods below, so calls are checked the same way everywhere.
 *
 * Optional features are declared up front, each `true` or the reason it is not supported:
 * the suite skips their scenarios with that reason, so a fake's subset is written down
 * where the suite runs instead of being passed silently.
 */
import type { OpenSocket } from './peer.ts';

/** Answers with its params, unchanged. */
export const ECHO = 'conformance.echo';
/** Always fails with this application error. */
export const FAIL = { method: 'conformance.fail', code: 409, message: 'Failed on purpose', data: { why: 'conformance' } } as const;

/** `true`, or why the target does not do it. */
export type Support = true | string;

export interface Features {
  /** Sends `ping` every `heartbeatMs` by itself (set a heartbeat of a few hundred ms at most). */
  pings: Support;
  /** Answers `system.ping`. */
  systemPing: Support;
  /** `auth.refresh`: `{ exp }` for a token of the same user, -32001 for another user's. */
  refresh: Support;
  /** `rooms.join` / `rooms.leave`, presence and `room.message`. */
  rooms: Support;
  /** Keeps history: a resume from a known offset replays what was missed. */
  resume: Support;
  /** Rooms resumed in the `auth` frame (`resume.rooms`). */
  resumeRooms: Support;
  /** Says `gap` to a live socket when its stream lost events (`loseLive`). */
  gap: Support;
  /** Sends `token.expiring` before a token's `exp` (`expiringToken`). */
  tokenExpiring: Support;
}
export type Feature = keyof Features;
/** What the real gateway declares: it must do everything. */
export const EVERYTHING: { [F in Feature]: true } = {
  pings: true,
  systemPing: true,
  refresh: true,
  rooms: true,
  resume: true,
  resumeRooms: true,
  gap: true,
  tokenExpiring: true,
};

export type Stream = { kind: 'user'; user: string } | { kind: 'broadcast' } | { kind: 'room'; room: string };

export interface Target {
  url: string;
  /** Opens a socket in the target's environment (`ws` in Node, msw's interception in happy-dom). */
  open: OpenSocket;
  /** A token the target accepts as `user`. */
  token(user: string): Promise<string>;
  /** A non-empty token the target refuses. */
  badToken: string;
  notify(user: string, type: string, data?: unknown): Promise<void>;
  broadcast(type: string, data?: unknown): Promise<void>;
  /** `rooms`: a message from the backend to a room's members. */
  toRoom?(room: string, event: string, data?: unknown): Promise<void>;
  /** `rooms`: a room whose policy refuses `bob`. */
  forbiddenRoom?: string;
  /** `resume`: make every event of `stream` so far unreachable by a resume, as history trimming does. */
  trim?(stream: Stream): Promise<void>;
  /** `gap`: events of the user's stream are published but lost on their way to live sockets, and trimmed from history. */
  loseLive?(user: string): Promise<void>;
  /** `tokenExpiring`: a token for `user` the target will soon announce as expiring. */
  expiringToken?(user: string): Promise<string>;
  stop(): Promise<void>;
}

export interface TargetDefinition {
  features: Features;
  /** A fresh target for each scenario. */
  start(): Promise<Target>;
}

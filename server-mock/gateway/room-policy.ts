/**
 * Room authorization as one policy: a single function answers every room operation
 * (join, publish, presence) for every rule, so no code path can forget one.
 *
 * How a request is decided, first definite answer wins:
 *
 * 1. Gates: `publish` and `presence` need membership; `publish` is refused outright with
 *    `publish: 'none'`.
 * 2. Centrifugo's rules, always, whatever else is configured: a `base#alice,bob` room admits
 *    only the listed users (and, for `join`, admits them); joining a `$room` takes a room
 *    token (`sub` = the user, `room`/`channel` = the room, `exp`), and a room token offered
 *    for any room decides that join (valid: admitted; invalid: refused).
 * 3. The configured rules, in `rules` order, each answering allow, deny or "not mine":
 *    `claim` (the connection token's `rooms` claim, names or globs; join only),
 *    `public` (`publicRooms` globs; join only), `hook` (`authorizeRoom` in code),
 *    `proxy` (the application, over HTTP, see room-proxy.ts).
 * 4. Nothing decided: `join` is refused (the secure default; `PUBLIC_ROOMS=*` is how the
 *    development server opens ordinary rooms), `publish` and `presence` are allowed, since
 *    the gate already required membership, i.e. a join some rule allowed.
 *
 * Wiring (gateway core): build once, `const roomPolicy = createRoomPolicy(options)`, then
 * `const d = await roomPolicy({ user, room, action, claims, member, roomToken, conn })` and
 * act only on `d.allow`; on a refusal answer -32002 (Forbidden) with `d.reason`, log
 * `{ rule: d.rule, reason: d.reason }`, and with `d.disconnect` close the socket. Call it for:
 * - `rooms.join`, with `action: 'join'`, `member: s.rooms.has(room)`, `roomToken` from the
 *   join params when the protocol carries one; the history replay of `since` belongs to
 *   the join, so it runs only after an allow;
 * - every room of `resume.rooms` in the auth frame, as a join (no room token there: a `$`
 *   room is refused and left out of `recovered.rooms`, so the client rejoins it with one);
 * - `presence.get`, with `action: 'presence'`, `member: s.rooms.has(room)`;
 * - `rooms.publish`, with `action: 'publish'`, `member: s.rooms.has(room)`.
 * `claims` are the verified connection token's (`Verified.claims`), from the latest
 * `auth.refresh` too.
 */
import type { JWTPayload } from 'jose';
import type { Logger } from 'pino';
import type { VerifyRoomToken } from './auth.ts';
import { allowedUsers, isPrivateRoom, USER_BOUNDARY } from './channel-names.ts';
import { matchesAny } from './glob.ts';
import { createRoomProxy, type RoomProxyOptions } from './room-proxy.ts';

export type RoomAction = 'join' | 'publish' | 'presence';

/** The configurable rules, by the names `ROOM_RULES` uses. */
export const ROOM_RULE_NAMES = ['claim', 'public', 'hook', 'proxy'] as const;
export type RoomRuleName = (typeof ROOM_RULE_NAMES)[number];

/** Who may publish to a room from a client: its members (where join is allowed), or nobody (backends only). */
export type RoomPublishMode = 'members' | 'none';

/** One room operation to decide. */
export interface RoomRequest {
  user: string;
  room: string;
  action: RoomAction;
  /** The verified claims of the connection's token. */
  claims: JWTPayload;
  /** Whether this connection has joined `room`. Required: `publish` and `presence` need it. */
  member: boolean;
  /** The room token the client offered with a join, if any. */
  roomToken?: string | undefined;
  /** The connection id, passed to the room proxy as Centrifugo's `client`. */
  conn?: string | undefined;
}

/** What decided: a gate, one of Centrifugo's rules, a configured rule, or the default. */
export const ROOM_DECIDERS = ['membership', 'publish-mode', 'user-limited', 'room-token', ...ROOM_RULE_NAMES, 'default'] as const;
export type RoomDecider = (typeof ROOM_DECIDERS)[number];

export type RoomDecision =
  | { allow: true; rule: RoomDecider }
  | {
      allow: false;
      rule: RoomDecider;
      /** One line for the client and the logs. */
      reason: string;
      /** The application asked (through the proxy) to close the connection too. */
      disconnect?: { code: number; reason: string };
    };

/** Checks one room operation. Never throws: a failing rule refuses. */
export type RoomPolicy = (request: RoomRequest) => Promise<RoomDecision>;

/** The application's answer: allow (`true`), refuse (`false`, or with a reason), or leave it to the next rule (`undefined`). */
export type RoomHookAnswer = boolean | undefined | { allow: false; reason: string };

/** The programmatic rule, `createGateway({ authorizeRoom })`. */
export type AuthorizeRoom = (user: string, room: string, action: RoomAction, claims: JWTPayload) => RoomHookAnswer | Promise<RoomHookAnswer>;

export const ROOM_POLICY_DEFAULTS = {
  rules: ROOM_RULE_NAMES as readonly RoomRuleName[],
  publish: 'members' as RoomPublishMode,
};

export interface RoomPolicyOptions {
  /** Verifies room tokens (`createRoomTokenVerifier`). Absent: `$` rooms, and any room token, are refused. @default undefined */
  verifyRoomToken?: VerifyRoomToken | undefined;
  /** Rooms any authenticated user may join: names or globs (`game_*`, `*`). Not `$` or `#` rooms, which Centrifugo's rules decide. @default [] */
  publicRooms?: readonly string[] | undefined;
  /** The rule for code; see `AuthorizeRoom`. @default undefined */
  authorizeRoom?: AuthorizeRoom | undefined;
  /** Ask the application over HTTP; see room-proxy.ts. @default undefined */
  proxy?: RoomProxyOptions | undefined;
  /** Which configured rules run, in which order. A rule with nothing configured says "not mine". @default ['claim', 'public', 'hook', 'proxy'] */
  rules?: readonly RoomRuleName[] | undefined;
  /** Who may publish from a client. @default 'members' */
  publish?: RoomPublishMode | undefined;
  /** Where a failing hook or proxy is reported. @default undefined */
  logger?: Pick<Logger, 'warn'> | undefined;
}

/** Entries of a `rooms` claim looked at; a token is not a database. */
const MAX_CLAIM_ROOMS = 256;
const MAX_PATTERN_LENGTH = 200;

/** Builds the policy. Throws when the options cannot work, so a misconfigured gateway fails at start-up. */
export function createRoomPolicy(options: RoomPolicyOptions = {}): RoomPolicy {
  const { verifyRoomToken, authorizeRoom, logger } = options;
  const publicRooms = [...(options.publicRooms ?? [])];
  const rules = [...(options.rules ?? ROOM_POLICY_DEFAULTS.rules)];
  const publish = options.publish ?? ROOM_POLICY_DEFAULTS.publish;
  for (const p of publicRooms) {
    const problem = publicPatternProblem(p);
    if (problem) throw new Error(`createRoomPolicy: public room pattern ${JSON.stringify(p)} ${problem}`);
  }
  for (const r of rules) if (!ROOM_RULE_NAMES.includes(r)) throw new Error(`createRoomPolicy: unknown rule ${JSON.stringify(r)}`);
  if (new Set(rules).size !== rules.length) throw new Error('createRoomPolicy: a rule is listed twice');
  if (publish !== 'members' && publish !== 'none') throw new Error(`createRoomPolicy: publish must be 'members' or 'none'`);
  const proxy = options.proxy ? createRoomProxy(options.proxy) : undefined;

  const allow = (rule: RoomDecider): RoomDecision => ({ allow: true, rule });
  const deny = (rule: RoomDecider, reason: string): RoomDecision => ({ allow: false, rule, reason });

  type Rule = (r: RoomRequest) => Promise<RoomDecision | undefined> | RoomDecision | undefined;
  const byName: Record<RoomRuleName, Rule> = {
    // Allow-only rules answer joins: for a member's publish or presence the default allows anyway,
    // and staying out of it lets `hook` and `proxy` refuse a publish in an open room.
    claim: (r) => (r.action === 'join' && matchesAny(claimedRooms(r.claims), r.room) ? allow('claim') : undefined),
    public: (r) => (r.action === 'join' && matchesAny(publicRooms, r.room) ? allow('public') : undefined),
    async hook(r) {
      if (!authorizeRoom) return undefined;
      let answer: RoomHookAnswer;
      try {
        answer = await authorizeRoom(r.user, r.room, r.action, r.claims);
      } catch (err) {
        logger?.warn({ err, room: r.room, action: r.action }, 'authorizeRoom threw: refusing');
        return deny('hook', 'room authorization failed');
      }
      if (answer === true) return allow('hook');
      if (answer === false) return deny('hook', 'refused by the application');
      if (answer !== undefined && answer.allow === false) return deny('hook', answer.reason);
      return undefined;
    },
    async proxy(r) {
      if (!proxy) return undefined;
      const answer = await proxy.ask(r);
      if (answer.allow) return allow('proxy');
      if (answer.failed) logger?.warn({ room: r.room, action: r.action, reason: answer.reason }, 'room proxy failed: refusing');
      return answer.disconnect ? { allow: false, rule: 'proxy', reason: answer.reason, disconnect: answer.disconnect } : deny('proxy', answer.reason);
    },
  };
  const chain = rules.map((name) => byName[name]);

  async function roomToken(r: RoomRequest, token: string | undefined): Promise<RoomDecision> {
    if (!token) return deny('room-token', `${r.room} needs a room token`);
    if (!verifyRoomToken) return deny('room-token', 'room tokens are not accepted by this gateway');
    const v = await verifyRoomToken(token, { user: r.user, room: r.room });
    return v.ok ? allow('room-token') : deny('room-token', `room token refused: ${v.reason}`);
  }

  return async (r) => {
    if (r.action !== 'join' && !r.member) return deny('membership', `not a member of ${r.room}`);
    if (r.action === 'publish' && publish === 'none') return deny('publish-mode', 'clients may not publish to rooms on this gateway');
    const listed = allowedUsers(r.room);
    if (listed && !listed.includes(r.user)) return deny('user-limited', `${r.room} is limited to other users`);
    if (r.action === 'join') {
      const token = r.roomToken || undefined;
      if (token !== undefined || isPrivateRoom(r.room)) return roomToken(r, token);
      if (listed) return allow('user-limited');
    }
    for (const rule of chain) {
      const d = await rule(r);
      if (d) return d;
    }
    return r.action === 'join' ? deny('default', `no rule admits this user to ${r.room}`) : allow('default');
  };
}

/** The string entries of a `rooms` claim; anything else in it is ignored, never trusted. */
function claimedRooms(claims: JWTPayload): string[] {
  const rooms = claims.rooms;
  if (!Array.isArray(rooms)) return [];
  return rooms.slice(0, MAX_CLAIM_ROOMS).filter((p): p is string => typeof p === 'string' && p.length > 0 && p.length <= MAX_PATTERN_LENGTH);
}

/**
 * Why a public-room pattern can never do what it says, or undefined. `$` and `#` rooms are
 * decided by Centrifugo's rules before public rooms are looked at, so such a pattern would be
 * a silent no-op; saying so at start-up beats an operator wondering why.
 */
export function publicPatternProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'is empty';
  if (pattern.length > MAX_PATTERN_LENGTH) return `is longer than ${MAX_PATTERN_LENGTH} characters`;
  if (pattern.startsWith('$')) return 'names $ rooms, which always need a room token';
  if (pattern.includes(USER_BOUNDARY)) return 'names # rooms, which admit only the users they list';
  return undefined;
}

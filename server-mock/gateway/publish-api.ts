/**
 * The body and the key of `POST /api/publish`: how a backend pushes an event to a user, to
 * everyone, or to a room. Besides Tether's own body it takes the two bodies Centrifugo's
 * server API takes (research/protocol.md §1.6), so a django-cfg backend publishes to Tether
 * by pointing its Centrifugo settings here, without code changes:
 *
 * - v4 `POST /api`: `{"method":"publish","params":{"channel","data"}}` (django-cfg's
 *   `DirectCentrifugoClient`, header `Authorization: apikey <key>`);
 * - v5+ `POST /api/publish`: `{"channel","data"}` (Centrifugo's own clients, django-cfg's
 *   wrapper client; header `X-API-Key`).
 *
 * A Centrifugo channel is read as the room rules read it (channel-names.ts): `user#42` and
 * `notifications#user#42` are user 42's notifications, `broadcast` is everyone, and every
 * other name (`$board`, `dialog#alice,bob`, `game_1`) is the room of exactly that name, which
 * only the users the room rules admit can join.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import * as z from 'zod';
import type { EventBody, StoredEvent, Target } from '../broker/broker.ts';
import { personalChannelUser } from './channel-names.ts';

/** Which dialect a request spoke; its answer is given in the same one. */
export type BodyKind = 'tether' | 'centrifugo';

/** A request body understood, or why not. */
export type ParsedPublish =
  | { ok: true; kind: BodyKind; target: Target; body: EventBody }
  | { ok: false; status: 400; message: string };

/** Same limits as the wire protocol's room and event names (tether-rpc/protocol's RoomPublishParams). */
const name = z.string().min(1).max(200);
/** django-cfg publishes `str(user.id)`; a backend sending the number means the same user. */
const userId = z.union([name, z.number().int().nonnegative().transform(String)]);

const UserBody = z.strictObject({ user: userId, type: name, message: z.string().optional(), data: z.unknown().optional() });
const BroadcastBody = z.strictObject({ broadcast: z.literal(true), type: name, message: z.string().optional(), data: z.unknown().optional() });
const RoomBody = z.strictObject({ room: name, event: name, data: z.unknown().optional() });
/**
 * Centrifugo's publish params. Loose: Centrifugo has many optional fields (`tags`,
 * `skip_history`, `idempotency_key`, django-cfg's `wait_for_ack`…) that do not change who
 * gets the event, so they are ignored rather than refused.
 */
const CentrifugoParams = z.looseObject({ channel: z.string().min(1), data: z.unknown().optional(), b64data: z.unknown().optional() });
const CentrifugoCommand = z.looseObject({ method: z.string(), params: z.unknown().optional() });

/** Turns a parsed JSON body into a target and an event body, or a 400 with a message saying what to fix. */
export function parsePublishBody(json: unknown): ParsedPublish {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return bad('body must be a JSON object');
  }
  if ('method' in json) {
    const command = CentrifugoCommand.safeParse(json);
    if (!command.success) return bad(issuesOf(command.error));
    if (command.data.method !== 'publish') return bad(`method ${JSON.stringify(command.data.method)} is not supported (only "publish")`);
    return fromCentrifugo(command.data.params, 'params.');
  }
  if ('channel' in json) return fromCentrifugo(json, '');

  const keys = (['user', 'broadcast', 'room'] as const).filter((k) => k in json);
  if (keys.length !== 1) {
    return bad('give exactly one of "user", "broadcast" or "room" (or a Centrifugo body with "channel")');
  }
  switch (keys[0]) {
    case 'user': {
      const r = UserBody.safeParse(json);
      if (!r.success) return bad(issuesOf(r.error));
      return { ok: true, kind: 'tether', target: { kind: 'user', user: r.data.user }, body: userBody(r.data) };
    }
    case 'broadcast': {
      const r = BroadcastBody.safeParse(json);
      if (!r.success) return bad(issuesOf(r.error));
      return { ok: true, kind: 'tether', target: { kind: 'broadcast' }, body: userBody(r.data) };
    }
    default: {
      const r = RoomBody.safeParse(json);
      if (!r.success) return bad(issuesOf(r.error));
      const { room, event, data } = r.data;
      return { ok: true, kind: 'tether', target: { kind: 'room', room }, body: data === undefined ? { event } : { event, data } };
    }
  }
}

function fromCentrifugo(params: unknown, at: string): ParsedPublish {
  const r = CentrifugoParams.safeParse(params);
  if (!r.success) return bad(issuesOf(r.error, at));
  const { channel, data, b64data } = r.data;
  if (data === undefined) {
    return bad(b64data === undefined ? `${at}data: required` : `${at}b64data: binary payloads are not supported; send JSON in "data"`);
  }
  // django-cfg's payloads say what they are in `event_type` (publish_notification,
  // publish_custom…); other backends tend to use `type`.
  const fields = typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
  const kind = [fields.event_type, fields.type].find((v): v is string => name.safeParse(v).success) ?? 'message';
  const message = typeof fields.message === 'string' ? fields.message : undefined;

  const user = personalChannelUser(channel);
  if (user !== undefined || channel === 'broadcast') {
    const target: Target = user !== undefined ? { kind: 'user', user } : { kind: 'broadcast' };
    return { ok: true, kind: 'centrifugo', target, body: message === undefined ? { type: kind, data } : { type: kind, message, data } };
  }
  const room = name.safeParse(channel);
  if (!room.success) return bad(`${at}channel: ${room.error.issues[0]?.message ?? 'invalid'}`);
  return { ok: true, kind: 'centrifugo', target: { kind: 'room', room: room.data }, body: { event: kind, data } };
}

function userBody(r: { type: string; message?: string | undefined; data?: unknown }): EventBody {
  const body: { type: string; message?: string; data?: unknown } = { type: r.type };
  if (r.message !== undefined) body.message = r.message;
  if (r.data !== undefined) body.data = r.data;
  return body;
}

function bad(message: string): ParsedPublish {
  return { ok: false, status: 400, message };
}

/** `path: message` for every issue, so one answer names every mistake. */
function issuesOf(error: z.ZodError, at = ''): string {
  return error.issues
    .map((i) => {
      const path = i.path.map(String).join('.');
      return path ? `${at}${path}: ${i.message}` : `${at.replace(/\.$/, '') || 'body'}: ${i.message}`;
    })
    .join('; ');
}

/** What a request's key is: right, absent (401: say how to send one), or wrong (403). */
export type KeyCheck = 'ok' | 'missing' | 'wrong';

/**
 * Checks the key a request carries, as `Authorization: apikey <key>` (Centrifugo v4,
 * django-cfg), `Authorization: Bearer <key>`, or `X-API-Key: <key>` (Centrifugo v5+). A key
 * in any other form (`Basic …`, a bare value) counts as missing. Keys are compared as SHA-256
 * digests with `timingSafeEqual`: equal-length buffers whatever was sent, so the time taken
 * reveals neither the key's length nor its prefix.
 */
export function checkApiKey(headers: IncomingHttpHeaders, apiKey: string): KeyCheck {
  const offered: string[] = [];
  const m = /^(?:apikey|bearer)\s+(\S+)$/i.exec(headers.authorization ?? '');
  if (m) offered.push(m[1] as string);
  const x = headers['x-api-key'];
  for (const v of Array.isArray(x) ? x : x === undefined ? [] : [x]) if (v !== '') offered.push(v);
  if (offered.length === 0) return 'missing';
  if (apiKey.length === 0) return 'wrong';
  const want = digest(apiKey);
  // Compare every candidate, so timing does not tell which header matched.
  return offered.map((o) => timingSafeEqual(digest(o), want)).includes(true) ? 'ok' : 'wrong';
}

/** Whether the request carries `apiKey` (see `checkApiKey`). */
export function authorize(headers: IncomingHttpHeaders, apiKey: string): boolean {
  return checkApiKey(headers, apiKey) === 'ok';
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The success answer in the request's dialect: Tether says where the event went; Centrifugo answers `{"result":{}}`. */
export function publishResponse(kind: BodyKind, event: StoredEvent): object {
  return kind === 'tether' ? { offset: event.offset, ts: event.ts } : { result: {} };
}

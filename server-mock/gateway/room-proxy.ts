/**
 * The room proxy: asks the application whether a user may join (publish to, see the presence
 * of) a room, by POSTing Centrifugo's subscribe-proxy request to `ROOM_PROXY_URL`, so a
 * Django view written for Centrifugo's `proxy_subscribe_endpoint` decides for Tether unchanged.
 *
 * Request: `{client, transport, protocol, encoding, user, channel, meta: {action}}` (`action`
 * is Tether's: a Centrifugo backend ignores it and answers every action as a subscribe).
 * Answer: `{result: {…}}` allows; `{error: {code, message}}` or `{disconnect: {code, reason}}`
 * refuses. Answers are kept for `cacheMs` per (user, room, action), so a burst of joins costs
 * one request; failures (timeout, 5xx, unreachable, malformed) refuse and are never kept, so
 * the first request after the backend recovers is answered by it.
 */
import * as z from 'zod';

export interface RoomProxyOptions {
  /** Where the requests go (http or https). */
  url: string;
  /** A request not answered within this refuses the room. @default 2000 */
  timeoutMs?: number | undefined;
  /** How long an answer of the application is reused for the same (user, room, action); 0: never. @default 5000 */
  cacheMs?: number | undefined;
  /** Answers kept at most; the oldest go first. @default 10000 */
  maxCacheEntries?: number | undefined;
  /** The clock, for tests. @default Date.now */
  now?: (() => number) | undefined;
}

export interface RoomProxyRequest {
  user: string;
  room: string;
  action: 'join' | 'publish' | 'presence';
  /** The connection id, sent as Centrifugo's `client`. */
  conn?: string | undefined;
}

/** The application's answer, or a failure to get one (`failed`: never cached, says what went wrong). */
export type RoomProxyAnswer =
  | { allow: true }
  | { allow: false; reason: string; failed?: true; disconnect?: { code: number; reason: string } };

/** Answers are small; anything larger is not an answer. */
const MAX_ANSWER_CHARS = 65_536;
/** A backend's message is shown to the client and the logs: keep it to a line. */
const MAX_MESSAGE_CHARS = 200;

// Loose: Centrifugo's answers carry more optional fields (`info`, `data`, `reconnect`…).
const Disconnect = z.looseObject({ disconnect: z.looseObject({ code: z.number().int(), reason: z.string().default('') }) });
const Refused = z.looseObject({ error: z.looseObject({ code: z.number().int(), message: z.string().default(''), temporary: z.boolean().optional() }) });
const Allowed = z.looseObject({ result: z.looseObject({}) });

export const ROOM_PROXY_DEFAULTS = { timeoutMs: 2000, cacheMs: 5000, maxCacheEntries: 10_000 };

export function createRoomProxy(options: RoomProxyOptions) {
  const { url, now = Date.now } = options;
  const timeoutMs = options.timeoutMs ?? ROOM_PROXY_DEFAULTS.timeoutMs;
  const cacheMs = options.cacheMs ?? ROOM_PROXY_DEFAULTS.cacheMs;
  const maxCacheEntries = options.maxCacheEntries ?? ROOM_PROXY_DEFAULTS.maxCacheEntries;
  const cache = new Map<string, { answer: RoomProxyAnswer; until: number }>();
  /** Requests on their way: concurrent asks for the same key share one. */
  const inFlight = new Map<string, Promise<RoomProxyAnswer>>();

  async function post(r: RoomProxyRequest): Promise<{ answer: RoomProxyAnswer; keep: boolean }> {
    const body = {
      client: r.conn ?? '',
      transport: 'websocket',
      protocol: 'json',
      encoding: 'json',
      user: r.user,
      channel: r.room,
      meta: { action: r.action },
    };
    let text: string;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        // The URL is the operator's; a redirect elsewhere is a misconfiguration, not an answer.
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok) {
        await res.body?.cancel();
        return failed(`room proxy failed (HTTP ${res.status})`);
      }
      text = await res.text();
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      return failed(timedOut ? `room proxy did not answer within ${timeoutMs} ms` : 'room proxy unreachable');
    }
    let json: unknown;
    try {
      json = text.length > MAX_ANSWER_CHARS ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    // In this order: a body with both an error and a result is a refusal.
    const disconnect = Disconnect.safeParse(json);
    if (disconnect.success) {
      const { code, reason } = disconnect.data.disconnect;
      return { answer: { allow: false, reason: `refused by the application: ${clip(reason || 'disconnect')}`, disconnect: { code, reason: clip(reason) } }, keep: true };
    }
    const refused = Refused.safeParse(json);
    if (refused.success) {
      const { code, message, temporary } = refused.data.error;
      // A temporary error is the backend saying "ask again": keeping it would make it permanent for cacheMs.
      return { answer: { allow: false, reason: `refused by the application: ${clip(message || 'no reason given')} (code ${code})` }, keep: !temporary };
    }
    // A refusal we could not read is still not an allow.
    const refusing = typeof json === 'object' && json !== null && ('error' in json || 'disconnect' in json);
    if (!refusing && Allowed.safeParse(json).success) return { answer: { allow: true }, keep: true };
    return failed('room proxy sent a malformed answer');
  }

  return {
    /** The application's answer for this (user, room, action), from the cache when fresh. Never throws. */
    async ask(r: RoomProxyRequest): Promise<RoomProxyAnswer> {
      const key = JSON.stringify([r.user, r.room, r.action]);
      const hit = cache.get(key);
      if (hit && hit.until > now()) return hit.answer;
      if (hit) cache.delete(key);
      const pending = inFlight.get(key);
      if (pending) return pending;
      const p = post(r).then(({ answer, keep }) => {
        if (keep && cacheMs > 0) {
          cache.set(key, { answer, until: now() + cacheMs });
          // Maps iterate in insertion order: the first key is the oldest answer.
          if (cache.size > maxCacheEntries) cache.delete(cache.keys().next().value as string);
        }
        return answer;
      });
      inFlight.set(key, p);
      try {
        return await p;
      } finally {
        inFlight.delete(key);
      }
    },
    /** Answers currently kept, for tests. */
    cacheSize: () => cache.size,
  };
}

export type RoomProxy = ReturnType<typeof createRoomProxy>;

function failed(reason: string): { answer: RoomProxyAnswer; keep: false } {
  return { answer: { allow: false, reason, failed: true }, keep: false };
}

function clip(s: string): string {
  return s.length > MAX_MESSAGE_CHARS ? `${s.slice(0, MAX_MESSAGE_CHARS - 1)}…` : s;
}

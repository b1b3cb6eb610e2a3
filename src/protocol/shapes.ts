/**
 * What a gateway sends, as compact shapes the browser checks without a validation library.
 *
 * The zod schemas in `server-frames.ts` stay the source of truth: they give the types, the
 * gateway's checks and the docs. A validation library costs the client bundle about 4 KB
 * gzipped, so the client checks incoming frames against these literal shapes instead, with
 * `checkShape` (below). `shapes.test.ts` derives these literals from the zod schemas and fails
 * when the two differ, and a property test checks that both accept and return the same values.
 *
 * A shape is `'s'` (string), `'n'` (finite number), `'u'` (any value) or an object of shapes;
 * a key ending in `?` may be absent. Unknown keys are dropped, as zod's
 * `z.object` does, so a newer gateway's extra fields reach no one by accident.
 */
import type { Issue } from './issues.ts';

export type Shape = 's' | 'n' | 'u' | { readonly [key: string]: Shape };

const offset = 's';
export const WireErrorShape = { code: 'n', message: 's', 'data?': 'u' } as const;
export const AuthResultShape = {
  user: 's',
  session: 's',
  heartbeatMs: 'n',
  'recovered?': { 'user?': 'u', 'broadcast?': 'u' },
  'offsets?': { 'user?': offset, 'broadcast?': offset },
  'maxFrameBytes?': 'n',
} as const;
export const RoomJoinResultShape = { room: 's', offset, 'recovered?': 'u' } as const;
const notification = { offset, type: 's', 'message?': 's', 'data?': 'u', ts: 'n' } as const;

/** Params of each notification a gateway sends, by method; `?` marks params that may be absent. */
export const ServerEventShapes = {
  'ping?': {},
  notification,
  broadcast: notification,
  'room.message': { room: 's', offset, event: 's', 'data?': 'u', ts: 'n', 'from?': 's' },
  presence: { room: 's', 'joined?': 's', 'left?': 's' },
  'token.expiring': { inMs: 'n' },
  gap: { stream: 's', 'room?': 's', offset },
} as const;

const KIND = { s: 'string', n: 'number' } as const;

/**
 * Check `value` against `shape`: the value with unknown keys dropped, or the issues found
 * (paths and messages in zod's manner, so they read the same wherever they come from).
 */
export function checkShape<T>(shape: Shape, value: unknown): { ok: true; value: T } | { ok: false; issues: Issue[] } {
  const issues: Issue[] = [];
  const out = walk(shape, value, [], issues);
  return issues.length ? { ok: false, issues } : { ok: true, value: out as T };
}

function walk(shape: Shape, value: unknown, path: (string | number)[], issues: Issue[]): unknown {
  if (shape === 'u') return value;
  const want = typeof shape === 'string' ? KIND[shape] : 'object';
  const got = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  if (got !== want || (want === 'number' && !Number.isFinite(value))) {
    issues.push({ path, message: `Invalid input: expected ${want}, received ${got}` });
    return;
  }
  if (typeof shape === 'string') return value;
  const out: Record<string, unknown> = {};
  for (const [spec, inner] of Object.entries(shape)) {
    const optional = spec.endsWith('?');
    const key = optional ? spec.slice(0, -1) : spec;
    const v = (value as Record<string, unknown>)[key];
    const present = Object.hasOwn(value as object, key);
    if (optional && v === undefined) {
      if (present) out[key] = v;
    } else if (inner === 'u' && !present) {
      // zod's rule: a required `z.unknown()` takes any value, but the key must be there.
      issues.push({ path: [...path, key], message: 'Invalid input: expected nonoptional, received undefined' });
    } else out[key] = walk(inner, v, [...path, key], issues);
  }
  return out;
}

/**
 * The JSON-RPC envelope, read the same way by every decoder: parse the text, check `jsonrpc`,
 * the id and the method's type, and sort the frame into an answer (result or error) or a
 * request/notification. What the params must look like is each decoder's business.
 */
import { ErrorCode } from './codes.ts';
import type { Issue } from './issues.ts';
import type { WireError } from './server-frames.ts';
import { checkShape, WireErrorShape } from './shapes.ts';

/** JSON-RPC ids: Tether clients use nanoid strings, other clients may use numbers. */
export type Id = string | number;

/** Why a frame was refused, ready to be sent back as a JSON-RPC error (messages as the JSON-RPC spec words them). */
export type ProtocolError = {
  id: Id | null;
  code: ErrorCode;
  message: string;
  data?: { issues: Issue[] };
  /** The frame's method, when it could be read. */
  method?: string;
};
export type Decoded<F> = { ok: true; frame: F } | { ok: false; error: ProtocolError };

/** A refusal; `issues` are the params' problems, when that is why. */
export const refuse = (id: Id | null, code: ErrorCode, message: string, issues?: Issue[], method?: string): { ok: false; error: ProtocolError } => ({
  ok: false,
  error: issues ? { id, code, message, data: { issues }, method } : { id, code, message },
});

/** An answer to a request: `result` is checked by whoever made the request. */
export type ResultFrame = { kind: 'result'; id: Id; result: unknown };
/** An error answer; `id` is null when the request's id could not be read. */
export type ErrorFrame = { kind: 'error'; id: Id | null; error: WireError };

/** A sound frame: an answer, whole, or a request or notification whose params are the caller's to check. */
export type Envelope = { ok: true; frame: ResultFrame | ErrorFrame; method?: undefined } | { ok: true; id: Id | null; method: string; params: unknown };

const isId = (v: unknown): v is Id => typeof v === 'string' || typeof v === 'number';

/** Read the envelope of `raw`, or the protocol error it deserves. */
export function readEnvelope(raw: string): Envelope | { ok: false; error: ProtocolError } {
  let msg: Record<string, unknown>;
  try {
    msg = JSON.parse(raw) ?? 0;
  } catch {
    return refuse(null, ErrorCode.ParseError, 'Parse error');
  }
  const { id = null, method, params } = msg;
  const validId = id === null || isId(id);
  if (typeof msg !== 'object' || Array.isArray(msg) || msg.jsonrpc !== '2.0' || !validId || (method !== undefined && typeof method !== 'string')) {
    return refuse(validId ? id : null, ErrorCode.InvalidRequest, 'Invalid Request');
  }
  if (method !== undefined) return { ok: true, id, method, params };
  if ('error' in msg) {
    const e = checkShape<WireError>(WireErrorShape, msg.error);
    return e.ok ? { ok: true, frame: { kind: 'error', id, error: e.value } } : refuse(id, ErrorCode.InvalidRequest, 'Invalid Request');
  }
  return id === null || !('result' in msg) ? refuse(id, ErrorCode.InvalidRequest, 'Invalid Request') : { ok: true, frame: { kind: 'result', id, result: msg.result } };
}

/**
 * Decoders turn any string into a typed frame or a typed protocol error, and never throw:
 * the gateway answers the error, the client reports it, and both carry on.
 * `decodeServerFrame` knows only what a gateway sends, so the browser bundle carries only
 * those schemas; `decode` (in `decode-any.ts`) knows every frame.
 */
import type * as z from 'zod/mini';
import { ErrorCode } from './codes.ts';
import { ServerEvents, WireError } from './server-frames.ts';

/** JSON-RPC ids: Tether clients use nanoid strings, other clients may use numbers. */
export type Id = string | number;
/** One field-level problem, as it crosses the wire in `error.data.issues`. */
export type Issue = { path: (string | number)[]; message: string };

type Table = Record<string, z.ZodMiniType>;
type Out<S> = S extends z.ZodMiniType<infer O> ? O : never;

/** An answer to a request: `result` is checked by whoever made the request. */
export type ResultFrame = { kind: 'result'; id: Id; result: unknown };
/** An error answer; `id` is null when the request's id could not be read. */
export type ErrorFrame = { kind: 'error'; id: Id | null; error: WireError };
/** A call to an application method; its params are the worker's to validate. */
export type CallRequest = { kind: 'call'; id: Id; method: string; params: unknown };
/** A built-in request with validated params, one member per method of `R`. */
export type RequestFrame<R extends Table> = {
  [M in keyof R & string]: { kind: 'request'; id: Id; method: M; params: Out<R[M]> };
}[keyof R & string];
/** A notification (no id) with validated params, one member per method of `E`. */
export type EventFrame<E extends Table> = {
  [M in keyof E & string]: { kind: 'event'; method: M; params: Out<E[M]> };
}[keyof E & string];

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

type PathItem = PropertyKey | { key: PropertyKey };
/** Flatten schema issues (zod's, or any Standard Schema's) into wire issues. */
export function toIssues(issues: readonly { path?: readonly PathItem[] | undefined; message: string }[]): Issue[] {
  return issues.map((i) => ({
    // Validated data came from JSON, so keys are strings or array indexes, never symbols.
    path: (i.path ?? []).map((p) => (typeof p === 'object' ? p.key : p)) as Issue['path'],
    message: i.message,
  }));
}

const isId = (v: unknown): v is Id => typeof v === 'string' || typeof v === 'number';

/** Build a decoder that knows the built-in requests `R` and the notifications `E`. */
export function createDecoder<R extends Table, E extends Table>(requests: R, events: E) {
  type F = ResultFrame | ErrorFrame | CallRequest | RequestFrame<R> | EventFrame<E>;
  const fail = (id: Id | null, code: ErrorCode, message: string, issues?: z.core.$ZodIssue[], method?: string): Decoded<F> => ({
    ok: false,
    error: issues ? { id, code, message, data: { issues: toIssues(issues) }, method } : { id, code, message },
  });

  return (raw: string): Decoded<F> => {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(raw) ?? 0;
    } catch {
      return fail(null, ErrorCode.ParseError, 'Parse error');
    }
    const { id = null, method, params } = msg;
    const validId = id === null || isId(id);
    if (typeof msg !== 'object' || Array.isArray(msg) || msg.jsonrpc !== '2.0' || !validId || (method !== undefined && typeof method !== 'string')) {
      return fail(validId ? id : null, ErrorCode.InvalidRequest, 'Invalid Request');
    }
    if (method === undefined) {
      if ('error' in msg) {
        const e = WireError.safeParse(msg.error);
        if (!e.success) return fail(id, ErrorCode.InvalidRequest, 'Invalid Request');
        return { ok: true, frame: { kind: 'error', id, error: e.data } };
      }
      if (id === null || !('result' in msg)) return fail(id, ErrorCode.InvalidRequest, 'Invalid Request');
      return { ok: true, frame: { kind: 'result', id, result: msg.result } };
    }
    const table = id === null ? events : requests;
    if (!Object.hasOwn(table, method)) {
      if (id !== null) return { ok: true, frame: { kind: 'call', id, method, params } };
      return fail(null, ErrorCode.MethodNotFound, `Method not found: ${method}`);
    }
    const p = table[method]!.safeParse(params);
    if (!p.success) return fail(id, ErrorCode.InvalidParams, `Invalid params: ${method}`, p.error.issues, method);
    return {
      ok: true,
      frame: (id === null ? { kind: 'event', method, params: p.data } : { kind: 'request', id, method, params: p.data }) as F,
    };
  };
}

/** A frame a gateway sends. */
export type ServerFrame = ResultFrame | ErrorFrame | CallRequest | EventFrame<typeof ServerEvents>;

/**
 * Decode a frame sent by a gateway (what a client receives). `createDecoder` with no requests,
 * written out: the browser bundle carries only this (a gateway never sends requests, so a
 * frame with an id and a method is returned as a `call` for the client to report).
 */
export function decodeServerFrame(raw: string): Decoded<ServerFrame> {
  const fail = (id: Id | null, code: ErrorCode, message: string, issues?: z.core.$ZodIssue[]): Decoded<ServerFrame> => ({
    ok: false,
    error: issues ? { id, code, message, data: { issues: toIssues(issues) } } : { id, code, message },
  });
  let msg: Record<string, unknown>;
  try {
    msg = JSON.parse(raw) ?? 0;
  } catch {
    return fail(null, ErrorCode.ParseError, 'Parse error');
  }
  const { id = null, method, params } = msg;
  const validId = id === null || isId(id);
  if (typeof msg !== 'object' || Array.isArray(msg) || msg.jsonrpc !== '2.0' || !validId || (method !== undefined && typeof method !== 'string')) {
    return fail(validId ? id : null, ErrorCode.InvalidRequest, 'Invalid Request');
  }
  if (method === undefined) {
    const e = 'error' in msg && WireError.safeParse(msg.error);
    if (e) return e.success ? { ok: true, frame: { kind: 'error', id, error: e.data } } : fail(id, ErrorCode.InvalidRequest, 'Invalid Request');
    return id === null || !('result' in msg) ? fail(id, ErrorCode.InvalidRequest, 'Invalid Request') : { ok: true, frame: { kind: 'result', id, result: msg.result } };
  }
  if (id !== null) return { ok: true, frame: { kind: 'call', id, method, params } };
  if (!Object.hasOwn(ServerEvents, method)) return fail(null, ErrorCode.MethodNotFound, `Method not found: ${method}`);
  const p = ServerEvents[method as keyof typeof ServerEvents].safeParse(params);
  return p.success ? { ok: true, frame: { kind: 'event', method, params: p.data } as ServerFrame } : fail(id, ErrorCode.InvalidParams, `Invalid params: ${method}`, p.error.issues);
}

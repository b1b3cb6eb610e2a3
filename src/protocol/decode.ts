/**
 * Decoders turn any string into a typed frame or a typed protocol error, and never throw:
 * the gateway answers the error, the client reports it, and both carry on.
 * `createDecoder` checks params with zod schemas (the gateway's side, and `decode` in
 * `decode-any.ts`, which knows every frame); the browser client uses `decodeServerFrame`
 * (`decode-server.ts`), which checks the same frames without zod.
 */
import type * as z from 'zod/mini';
import { ErrorCode } from './codes.ts';
import { readEnvelope, refuse, type Decoded, type ErrorFrame, type Id, type ResultFrame } from './envelope.ts';
import { toIssues } from './issues.ts';

type Table = Record<string, z.ZodMiniType>;
type Out<S> = S extends z.ZodMiniType<infer O> ? O : never;

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

/** Build a decoder that knows the built-in requests `R` and the notifications `E`. */
export function createDecoder<R extends Table, E extends Table>(requests: R, events: E) {
  type F = ResultFrame | ErrorFrame | CallRequest | RequestFrame<R> | EventFrame<E>;
  return (raw: string): Decoded<F> => {
    const env = readEnvelope(raw);
    if (!env.ok || env.method === undefined) return env;
    const { id, method, params } = env;
    const table = id === null ? events : requests;
    if (!Object.hasOwn(table, method)) {
      if (id !== null) return { ok: true, frame: { kind: 'call', id, method, params } };
      return refuse(null, ErrorCode.MethodNotFound, `Method not found: ${method}`);
    }
    const p = table[method]!.safeParse(params);
    if (!p.success) return refuse(id, ErrorCode.InvalidParams, `Invalid params: ${method}`, toIssues(p.error.issues), method);
    return {
      ok: true,
      frame: (id === null ? { kind: 'event', method, params: p.data } : { kind: 'request', id, method, params: p.data }) as F,
    };
  };
}

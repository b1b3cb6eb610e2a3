/**
 * Decode what a gateway sends, in the browser: the envelope, then each notification's params
 * against its shape (`shapes.ts`), so the client bundle carries no validation library. Never
 * throws: a bad frame is a typed protocol error the client reports.
 */
import { ErrorCode } from './codes.ts';
import type { EventFrame, CallRequest } from './decode.ts';
import { readEnvelope, refuse, type Decoded, type ErrorFrame, type ResultFrame } from './envelope.ts';
import type { ServerEvents } from './server-frames.ts';
import { checkShape, ServerEventShapes, type Shape } from './shapes.ts';

/** A frame a gateway sends. */
export type ServerFrame = ResultFrame | ErrorFrame | CallRequest | EventFrame<typeof ServerEvents>;

const events: Record<string, Shape> = ServerEventShapes;

/**
 * Decode a frame sent by a gateway (what a client receives). A gateway never sends requests,
 * so a frame with an id and a method is returned as a `call` for the client to report.
 */
export function decodeServerFrame(raw: string): Decoded<ServerFrame> {
  const env = readEnvelope(raw);
  if (!env.ok || env.method === undefined) return env;
  const { id, method, params } = env;
  if (id !== null) return { ok: true, frame: { kind: 'call', id, method, params } };
  // `ping?`: params that may be absent.
  const optional = Object.hasOwn(events, `${method}?`);
  const shape = events[optional ? `${method}?` : method];
  if (!shape) return refuse(null, ErrorCode.MethodNotFound, `Method not found: ${method}`);
  const p = optional && params === undefined ? { ok: true as const, value: params } : checkShape(shape, params);
  return p.ok ? { ok: true, frame: { kind: 'event', method, params: p.value } as ServerFrame } : refuse(id, ErrorCode.InvalidParams, `Invalid params: ${method}`, p.issues);
}

/**
 * `defineMethod`: one worker method, its params and result schemas, and its handler. The
 * schemas validate both directions at the worker and describe the method (`system.describe`).
 * Any zod schema works, classic or mini, so a contract shared with the browser can be reused.
 */
import type * as z from 'zod';
import type { StoredEvent } from '../broker/broker.ts';

/** What a handler knows about its call, and what it can push to clients. */
export interface MethodContext {
  /** The authenticated caller (JWT `sub`). */
  user: string;
  /** The caller's connection, on gateway `gateway`. */
  conn: string;
  gateway: string;
  /** The worker running the call (its consumer name). */
  worker: string;
  /**
   * The client's call id: stable across resends and across redeliveries after a worker died.
   * A call redelivered after its worker crashed may run again, so key side effects on it.
   */
  callId: string;
  /** Epoch ms after which nobody waits for the answer. */
  deadline: number;
  /** Aborts at the deadline. */
  signal: AbortSignal;
  /** Notify every connection of `user`. */
  notify(user: string, type: string, data?: unknown, message?: string): Promise<StoredEvent>;
  /** Send `event` to every member of `room`. */
  toRoom(room: string, event: string, data?: unknown): Promise<StoredEvent>;
  /** Send to every connection. */
  broadcast(type: string, data?: unknown, message?: string): Promise<StoredEvent>;
}

export interface MethodSchemas<P extends z.core.$ZodType, R extends z.core.$ZodType> {
  params: P;
  result: R;
  /** One line for `system.describe`. */
  description?: string;
}

export interface MethodDefinition<P extends z.core.$ZodType = z.core.$ZodType, R extends z.core.$ZodType = z.core.$ZodType> {
  name: string;
  params: P;
  result: R;
  description?: string | undefined;
  handler(params: z.output<P>, ctx: MethodContext): z.input<R> | Promise<z.input<R>>;
}

export function defineMethod<P extends z.core.$ZodType, R extends z.core.$ZodType>(
  name: string,
  schemas: MethodSchemas<P, R>,
  handler: (params: z.output<P>, ctx: MethodContext) => z.input<R> | Promise<z.input<R>>,
): MethodDefinition<P, R> {
  return { name, params: schemas.params, result: schemas.result, description: schemas.description, handler };
}

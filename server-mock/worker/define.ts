/**
 * What a worker's method is: its params and result schemas, which validate both directions at
 * the worker and describe the method (`system.describe`), its handler, and what a handler
 * knows about its call. `defineMethod` makes one; `implement` (implement.ts) makes them from
 * the contract the browser imports.
 */
import type { InputOf, OutputOf, StandardSchema } from 'tether-rpc/protocol';
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

/** The schemas of one method (any Standard Schema: zod, zod/mini, valibot, arktype). */
export interface MethodSchemas<P extends StandardSchema, R extends StandardSchema> {
  params: P;
  result: R;
  /** One line for `system.describe`. */
  description?: string;
}

/** One method a worker serves: its schemas, validated at the worker in both directions, and its handler. */
export interface MethodDefinition<P extends StandardSchema = StandardSchema, R extends StandardSchema = StandardSchema> {
  name: string;
  params: P;
  result: R;
  description?: string | undefined;
  handler(params: OutputOf<P>, ctx: MethodContext): InputOf<R> | Promise<InputOf<R>>;
}

/** One method outside a contract (for methods the browser's contract does not list, or a worker without one). */
export function defineMethod<P extends StandardSchema, R extends StandardSchema>(
  name: string,
  schemas: MethodSchemas<P, R>,
  handler: (params: OutputOf<P>, ctx: MethodContext) => InputOf<R> | Promise<InputOf<R>>,
): MethodDefinition<P, R> {
  return { name, params: schemas.params, result: schemas.result, description: schemas.description, handler };
}

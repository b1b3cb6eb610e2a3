/**
 * The client's side of contracts (`src/protocol/contract.ts`): `client.api` as typed
 * functions, and validation of params before sending and of results on arrival.
 */
import type { Contract, InputOf, MethodSchemas, OutputOf, StandardSchema } from '../protocol/contract.ts';
import { toIssues } from '../protocol/issues.ts';
import { RpcError } from './errors.ts';

export { defineContract, type Contract, type InputOf, type MethodSchemas, type OutputOf, type StandardResult, type StandardSchema } from '../protocol/contract.ts';

/** Options of one call. */
export interface CallOptions {
  /** Deadline in ms, counted from the call, including time in the outbox. @default the client's `callTimeoutMs` */
  timeoutMs?: number;
  /** Abort the call; it rejects with `AbortError`. */
  signal?: AbortSignal;
  /** What to do if not connected. @default the client's `offline` */
  offline?: 'queue' | 'reject';
  /** The call's id, to resend a call made elsewhere (another tab) under the id it has. @default a new nanoid */
  id?: string;
}

/** A contract method as a function; params that may be `undefined` may be left out (`api.system.ping()`). */
export type MethodFn<M extends MethodSchemas> = undefined extends InputOf<M['params']>
  ? (params?: InputOf<M['params']>, options?: CallOptions) => Promise<OutputOf<M['result']>>
  : (params: InputOf<M['params']>, options?: CallOptions) => Promise<OutputOf<M['result']>>;

type Nest<K extends string, V> = K extends `${infer Head}.${infer Rest}`
  ? { [P in Head]: Nest<Rest, V> }
  : { [P in K]: V };
type Merge<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/**
 * `client.api`: `'orders.create'` becomes `api.orders.create(params)`. With `any` contract it is
 * `any`, so a client of every contract fits `AnyClient` however it is wrapped (a shared client).
 */
export type Api<C extends Contract> = 0 extends 1 & C ? any : Merge<{ [K in keyof C & string]: Nest<K, MethodFn<C[K]>> }[keyof C & string]>;

/** Validate `value`: the schema's output, or an `RpcError` with `code` and the issues as `data.issues`. */
export async function validate(schema: StandardSchema, value: unknown, code: number, message: string) {
  const r = await schema['~standard'].validate(value);
  if (r.issues) throw new RpcError(code, message, { issues: toIssues(r.issues) });
  return r.value;
}

/** A proxy turning property paths into dotted method names. */
export function apiProxy(call: (method: string, params: unknown, options?: CallOptions) => Promise<unknown>, path: string[] = []): unknown {
  return new Proxy(() => {}, {
    // `then` must stay undefined, or awaiting `client.api` would call a method named "then".
    get: (_, key) => (typeof key === 'string' && key !== 'then' ? apiProxy(call, [...path, key]) : undefined),
    apply: (_, __, [params, options]) => call(path.join('.'), params, options),
  });
}

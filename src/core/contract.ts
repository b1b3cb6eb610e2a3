import { toIssues } from '../protocol/decode.ts';
import { RpcError } from './errors.ts';

/**
 * Typed contracts: a map of method names to params and result schemas, shared by worker
 * and client. Any Standard Schema works (zod, zod/mini, valibot, arktype), so the core
 * never forces a validation library into a user's bundle.
 */

/** The part of the Standard Schema v1 interface the client relies on. */
export interface StandardSchema<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | {
      readonly issues: ReadonlyArray<{
        readonly message: string;
        readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
      }>;
    };

/** One method: the schema of its params and the schema of its result. */
export interface MethodSchemas {
  params: StandardSchema;
  result: StandardSchema;
}

/** Method name (dots make namespaces: `orders.create`) to its schemas. */
export type Contract = Record<string, MethodSchemas>;

/** What a schema accepts. */
export type InputOf<S> = S extends StandardSchema<infer I, unknown> ? I : never;
/** What a schema produces. */
export type OutputOf<S> = S extends StandardSchema<unknown, infer O> ? O : never;

/** Declare a contract; returns it unchanged, with its literal types kept. */
export function defineContract<const C extends Contract>(contract: C): C {
  return contract;
}

/** Options of one call. */
export interface CallOptions {
  /** Deadline in ms, counted from the call, including time in the outbox. @default the client's `callTimeoutMs` */
  timeoutMs?: number;
  /** Abort the call; it rejects with `AbortError`. */
  signal?: AbortSignal;
  /** What to do if not connected. @default the client's `offline` */
  offline?: 'queue' | 'reject';
}

/** A contract method as a function. */
export type MethodFn<M extends MethodSchemas> = (
  params: InputOf<M['params']>,
  options?: CallOptions,
) => Promise<OutputOf<M['result']>>;

type Nest<K extends string, V> = K extends `${infer Head}.${infer Rest}`
  ? { [P in Head]: Nest<Rest, V> }
  : { [P in K]: V };
type Merge<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** `client.api`: `'orders.create'` becomes `api.orders.create(params)`. */
export type Api<C extends Contract> = Merge<{ [K in keyof C & string]: Nest<K, MethodFn<C[K]>> }[keyof C & string]>;

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

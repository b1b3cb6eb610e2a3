/**
 * Typed contracts: a map of method names to params and result schemas, the one description
 * of an API that the browser (`createClient({ contract })`) and the worker
 * (`implement(contract, handlers)` in tether-rpc-server) share. Any Standard Schema works
 * (zod, zod/mini, valibot, arktype), so neither side forces a validation library on an app.
 * Plain data: a contract file imports only its schema library and this.
 */

/** The part of the Standard Schema v1 interface both ends rely on. */
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
  /** One line for `system.describe`. */
  description?: string;
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

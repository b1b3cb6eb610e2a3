/**
 * `implement(contract, handlers)`: a worker's methods from the very contract object the browser
 * imports, so the API is described once. Handlers are typed from the contract's schemas (params
 * as the schema outputs them, results as it accepts them), a missing or an extra handler is a
 * type error, and at run time the worker validates params and results with those same schemas.
 */
import type { Contract, InputOf, OutputOf } from 'tether-rpc/protocol';
import type { MethodContext, MethodDefinition } from './define.ts';

/** A handler for each method of `C`: exactly those, no more, no fewer. */
export type Handlers<C extends Contract> = {
  [M in keyof C & string]: (params: OutputOf<C[M]['params']>, ctx: MethodContext) => InputOf<C[M]['result']> | Promise<InputOf<C[M]['result']>>;
};

/** The methods of `contract`, each with its handler, for `createWorker({ methods })`. */
export function implement<const C extends Contract, const H extends Handlers<C>>(
  contract: C,
  handlers: H & Record<Exclude<keyof H, keyof C>, never>,
): MethodDefinition[] {
  const names = Object.keys(contract);
  const missing = names.filter((n) => typeof (handlers as Record<string, unknown>)[n] !== 'function');
  const extra = Object.keys(handlers).filter((n) => !Object.hasOwn(contract, n));
  // The types say the same; this is for plain JavaScript and for contracts built at run time.
  if (missing.length) throw new Error(`implement: no handler for ${missing.join(', ')}`);
  if (extra.length) throw new Error(`implement: ${extra.join(', ')} ${extra.length > 1 ? 'are' : 'is'} not in the contract`);
  return names.map((name) => {
    const { params, result, description } = contract[name]!;
    return { name, params, result, description, handler: (handlers as Record<string, MethodDefinition['handler']>)[name]! };
  });
}

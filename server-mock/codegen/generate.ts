/**
 * A typed contract module from what workers announce (`system.describe`: method → JSON Schema
 * of params and result), in any language: the TypeScript types come from
 * json-schema-to-typescript, the validators from zod's own `z.fromJSONSchema`, so the app's
 * `client.api.orders.create` is typed and checked from the worker's models (Pydantic's, zod's).
 * What is done here is only the plumbing between them: one `$defs` for every method's named
 * models (Pydantic 1's `definitions` and 2's `$defs`, renamed where two differ), and the module text.
 */
import { compile, type JSONSchema } from 'json-schema-to-typescript';

/** A method as workers announce it. */
export interface MethodDescription {
  description?: string;
  params?: unknown;
  result?: unknown;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `system.describe`'s answer (`{ methods }`), or the map of methods itself. */
export function methodsOf(describe: unknown): Record<string, MethodDescription> {
  const methods = isObject(describe) && isObject(describe.methods) ? describe.methods : describe;
  if (!isObject(methods)) throw new Error('Not a method description: expected { methods: { "<name>": { params, result } } } or the map of methods');
  return methods as Record<string, MethodDescription>;
}

/** Deep copy with every `$ref` to a local definition renamed by `rename`. */
function rewriteRefs(value: Json, rename: (name: string) => string): Json {
  if (Array.isArray(value)) return value.map((v) => rewriteRefs(v, rename));
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    const local = k === '$ref' && typeof v === 'string' ? /^#\/(?:\$defs|definitions)\/(.+)$/.exec(v) : null;
    out[k] = local ? `#/$defs/${rename(decodeURIComponent(local[1]!))}` : rewriteRefs(v, rename);
  }
  return out;
}

const same = (a: Json, b: Json) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Deep copy with sorted keys, so the same schemas give the same module however they were
 * serialized; but the fields of `properties` keep their order, the order the model declares them.
 */
function sortKeys(value: Json, keepOrder = false): Json {
  if (Array.isArray(value)) return value.map((v) => sortKeys(v));
  if (!isObject(value)) return value;
  const keys = keepOrder ? Object.keys(value) : Object.keys(value).sort();
  return Object.fromEntries(keys.map((k) => [k, sortKeys(value[k]!, !keepOrder && k === 'properties')]));
}

/**
 * Deep copy without the titles of properties: Pydantic titles every field ("Sku"), which would
 * make a type alias of each; models and enums keep theirs, which name their types.
 */
function untitleProperties(value: Json): Json {
  if (Array.isArray(value)) return value.map(untitleProperties);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'properties' && isObject(v)) {
      out[k] = Object.fromEntries(
        Object.entries(v).map(([name, prop]) => {
          const { title: _title, ...rest } = isObject(prop) ? prop : { title: null };
          return [name, isObject(prop) ? untitleProperties(rest) : prop];
        }),
      );
    } else out[k] = untitleProperties(v);
  }
  return out;
}

/**
 * Every method's schemas with their definitions moved to one shared `$defs`. Definitions of the
 * same name and content are shared (the same Pydantic model used by several methods); a name
 * already taken by a different schema gets a suffix.
 */
export function hoist(methods: Record<string, MethodDescription>) {
  const defs: Record<string, Json> = {};
  const schemas: Record<string, { description?: string; params: Json; result: Json }> = {};
  /** A renamed definition's title follows its name: the type is named after the title. */
  const retitle = (def: Json, from: string, to: string): Json => (from !== to && isObject(def) && def.title === from ? { ...def, title: to } : def);
  /** The name under which `def` is in `defs`: `name`, or `name` with a number when that one is another schema. */
  const slot = (name: string, def: Json) => {
    let target = name;
    for (let n = 2; defs[target] !== undefined && !same(defs[target]!, def); n++) target = `${name}${n}`;
    return target;
  };
  const place = (schema: unknown): Json => {
    if (!isObject(schema)) return schema === undefined ? {} : (schema as Json);
    const { $defs, definitions, $schema: _draft, ...rest } = untitleProperties(sortKeys(schema as Json)) as JsonObject;
    const local = { ...(isObject(definitions) ? definitions : {}), ...(isObject($defs) ? $defs : {}) };
    // Names are settled before contents are compared: a definition may refer to one renamed after it.
    const names = new Map<string, string>();
    const renamed = (x: string) => names.get(x) ?? x;
    for (const [name, def] of Object.entries(local)) names.set(name, slot(name, rewriteRefs(def, renamed)));
    for (const [name, def] of Object.entries(local)) defs[names.get(name)!] = retitle(rewriteRefs(def, renamed), name, names.get(name)!);
    const top = rewriteRefs(rest, renamed);
    // A named model (Pydantic's params and results) joins the definitions, so that a model used
    // both at the top of one method and inside another is one type.
    if (isObject(top) && typeof top.title === 'string' && /^[A-Za-z_]\w*$/.test(top.title)) {
      const name = slot(top.title, top);
      defs[name] = retitle(top, top.title, name);
      return { $ref: `#/$defs/${name}` };
    }
    return top;
  };
  for (const name of Object.keys(methods).sort()) {
    const m = methods[name]!;
    schemas[name] = { ...(m.description ? { description: m.description } : {}), params: place(m.params), result: place(m.result) };
  }
  return { defs, schemas };
}

/** Params with nothing required may be left out: `client.api.orders.list()`. */
function paramsOptional(schema: Json, defs: Record<string, Json>): boolean {
  const ref = isObject(schema) && typeof schema.$ref === 'string' ? /^#\/\$defs\/(.+)$/.exec(schema.$ref) : null;
  const s = ref ? defs[ref[1]!] : schema;
  return isObject(s) && s.type === 'object' && (!Array.isArray(s.required) || s.required.length === 0);
}

export interface GenerateOptions {
  /** Where the descriptions came from, for the header. */
  source?: string;
  /** The name of the exported contract. @default 'contract' */
  name?: string;
}

/** The module: `Methods` (params and result type of each method), the named models, and `contract`. */
export async function generateContract(describe: unknown, options: GenerateOptions = {}): Promise<string> {
  const { defs, schemas } = hoist(methodsOf(describe));
  const names = Object.keys(schemas);
  const root = {
    title: 'Methods',
    description: 'Params and result of every method.',
    type: 'object',
    additionalProperties: false,
    required: names,
    properties: Object.fromEntries(
      names.map((n) => [n, { type: 'object', additionalProperties: false, required: ['params', 'result'], properties: { params: schemas[n]!.params, result: schemas[n]!.result } }]),
    ),
    $defs: defs,
  };
  const types = await compile(structuredClone(root) as JSONSchema, 'Methods', {
    bannerComment: '',
    additionalProperties: false,
    declareExternallyReferenced: true,
    unreachableDefinitions: true,
    format: true,
    strictIndexSignatures: true,
  });
  const entries = names.map((n) => {
    const s = schemas[n]!;
    const params = `schema<Methods[${JSON.stringify(n)}]['params']>(${JSON.stringify(s.params)})${paramsOptional(s.params, defs) ? '.optional()' : ''}`;
    const result = `schema<Methods[${JSON.stringify(n)}]['result']>(${JSON.stringify(s.result)})`;
    const description = s.description ? `\n    description: ${JSON.stringify(s.description)},` : '';
    return `  ${JSON.stringify(n)}: {${description}\n    params: ${params},\n    result: ${result},\n  },`;
  });
  return `/* eslint-disable */
// Generated by tether-codegen${options.source ? ` from ${options.source}` : ''}. Do not edit: run tether-codegen again.
import { defineContract } from 'tether-rpc';
import * as z from 'zod';

${types.trim()}

/** Definitions the methods' schemas refer to (\`#/$defs/<name>\`). */
const $defs = ${JSON.stringify(defs)};

/** A validator from a method's JSON Schema, typed as the worker declared it. */
const schema = <T>(json: object) => z.fromJSONSchema({ ...json, $defs } as Parameters<typeof z.fromJSONSchema>[0]) as unknown as z.ZodType<T, T>;

export const ${options.name ?? 'contract'} = defineContract({
${entries.join('\n')}
});
`;
}

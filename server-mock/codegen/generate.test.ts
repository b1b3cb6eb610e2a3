/**
 * tether-codegen's plumbing: definitions from Pydantic 1 (`definitions`) and 2 (`$defs`)
 * shared or renamed, nested models, enums, optionals, unions and arrays typed by name, and
 * validators that accept what the worker accepts and refuse the rest.
 */
import { describe, expect, it } from 'vitest';
import { generateContract, hoist, methodsOf } from './generate.ts';
import { contract as shop } from '../python/examples/shop.contract.ts';

/** What Pydantic 2 announces for a model with a nested model, an enum, an optional and a union. */
const pydantic2 = {
  'orders.create': {
    params: {
      title: 'CreateOrder',
      type: 'object',
      properties: {
        sku: { title: 'Sku', type: 'string' },
        colour: { $ref: '#/$defs/Colour' },
        ship_to: { anyOf: [{ $ref: '#/$defs/Address' }, { type: 'null' }], default: null },
        tags: { title: 'Tags', type: 'array', items: { type: 'string' } },
        code: { anyOf: [{ type: 'integer' }, { type: 'string' }] },
      },
      required: ['sku', 'colour', 'tags', 'code'],
      $defs: {
        Colour: { title: 'Colour', enum: ['red', 'blue'], type: 'string' },
        Address: { title: 'Address', type: 'object', properties: { city: { title: 'City', type: 'string' } }, required: ['city'] },
      },
    },
    result: { $ref: '#/$defs/Address', $defs: { Address: { title: 'Address', type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
  },
  'other.thing': {
    params: { type: 'object', properties: {} },
    // Another model of the same name: kept apart, under another name.
    result: { $ref: '#/definitions/Address', definitions: { Address: { title: 'Address', type: 'object', properties: { zip: { type: 'string' } }, required: ['zip'] } } },
  },
};

describe('hoist', () => {
  it('shares definitions that are the same and renames the ones that differ', () => {
    const { defs, schemas } = hoist(methodsOf({ methods: pydantic2 }));
    expect(Object.keys(defs).sort()).toEqual(['Address', 'Address2', 'Colour', 'CreateOrder']);
    expect(schemas['orders.create']!.result).toEqual({ $ref: '#/$defs/Address' });
    expect(schemas['other.thing']!.result).toEqual({ $ref: '#/$defs/Address2' });
    expect(defs.Address2).toMatchObject({ properties: { zip: { type: 'string' } } });
  });

  it('refuses what is not a method description', () => {
    expect(() => methodsOf('nope')).toThrow(/Not a method description/);
  });
});

describe('generateContract', () => {
  it('types every model by name, never as any', async () => {
    const text = await generateContract({ methods: pydantic2 }, { source: 'test' });
    expect(text).toContain('export interface CreateOrder {');
    expect(text).toMatch(/colour: Colour;/);
    expect(text).toMatch(/export type Colour = "red" \| "blue";/);
    expect(text).toMatch(/ship_to\?: Address \| null;/);
    expect(text).toMatch(/tags: string\[\];/);
    expect(text).toMatch(/code: number \| string;/);
    expect(text).toMatch(/"other.thing": \{\s+params: \{\};\s+result: Address2;/);
    expect(text).not.toMatch(/\bany\b/);
    // A method whose params require nothing may be called without any.
    expect(text).toMatch(/"other.thing": \{\n\s+params: schema<[^>]+>\(\{"properties":\{\},"type":"object"\}\)\.optional\(\)/);
  });

  it('is stable: the same descriptions give the same text, whatever their order', async () => {
    const reversed = Object.fromEntries(Object.entries(pydantic2).reverse());
    expect(await generateContract({ methods: reversed })).toBe(await generateContract({ methods: pydantic2 }));
  });
});

describe("the generated contract's validators (the Python example's)", () => {
  const check = (schema: { '~standard': { validate: (v: unknown) => unknown } }, value: unknown) =>
    schema['~standard'].validate(value) as { issues?: { path?: PropertyKey[] }[] };

  it('accept what the Pydantic models accept: nested models, enums, unions, optionals', () => {
    expect(check(shop['orders.create'].params, { sku: 'A1', qty: 2, priority: 'express', ship_to: { street: 's', city: 'c' } }).issues).toBeUndefined();
    expect(check(shop['stock.get'].result, { sku: 'A1', available: 'unknown' }).issues).toBeUndefined();
    expect(check(shop['stock.get'].result, { sku: 'A1', available: 3 }).issues).toBeUndefined();
    expect(check(shop['orders.list'].params, undefined).issues).toBeUndefined();
  });

  it('refuse the rest, with the path of each problem', () => {
    const bad = check(shop['orders.create'].params, { sku: '', qty: 0, priority: 'later', ship_to: { city: 'c' } });
    expect(bad.issues?.map((i) => i.path?.join('.')).sort()).toEqual(['priority', 'qty', 'ship_to.street', 'sku']);
    expect(check(shop['orders.create'].result, { id: 'o1', total: 1, priority: 'normal', lines: [{ sku: 1, qty: 1 }] }).issues?.[0]?.path).toEqual(['lines', 0, 'sku']);
  });
});

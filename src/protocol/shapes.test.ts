import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type * as z from 'zod/mini';
import { AuthResult, RoomJoinResult, ServerEvents, WireError } from './server-frames.ts';
import { AuthResultShape, checkShape, RoomJoinResultShape, ServerEventShapes, WireErrorShape, type Shape } from './shapes.ts';

type Def = { type: string; innerType?: z.ZodMiniType; shape?: Record<string, z.ZodMiniType> };
const def = (s: z.ZodMiniType) => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The shape a zod schema describes; throws on a validator the client's checker does not know. */
function derive(schema: z.ZodMiniType): Shape {
  const d = def(schema);
  if (d.type === 'string') return 's';
  if (d.type === 'number') return 'n';
  if (d.type === 'unknown') return 'u';
  if (d.type === 'object') return Object.fromEntries(Object.entries(d.shape!).map(([k, v]) => entry(k, v)));
  throw new Error(`the client's shapes have no ${d.type}: add it to checkShape, or use a validator it knows`);
}
const entry = (key: string, s: z.ZodMiniType): [string, Shape] => {
  const d = def(s);
  return d.type === 'optional' ? [`${key}?`, derive(d.innerType!)] : [key, derive(s)];
};

const pairs: [string, Shape, z.ZodMiniType][] = [
  ['WireError', WireErrorShape, WireError],
  ['AuthResult', AuthResultShape, AuthResult],
  ['RoomJoinResult', RoomJoinResultShape, RoomJoinResult],
  ...Object.entries(ServerEvents).map(([m, s]): [string, Shape, z.ZodMiniType] => {
    const [key] = entry(m, s);
    return [m, (ServerEventShapes as Record<string, Shape>)[key]!, def(s).type === 'optional' ? def(s).innerType! : s];
  }),
];

describe('the client shapes', () => {
  it('are the zod schemas, written compactly (derived from them, key for key)', () => {
    expect(WireErrorShape).toEqual(derive(WireError));
    expect(AuthResultShape).toEqual(derive(AuthResult));
    expect(RoomJoinResultShape).toEqual(derive(RoomJoinResult));
    expect(ServerEventShapes).toEqual(Object.fromEntries(Object.entries(ServerEvents).map(([m, s]) => entry(m, s))));
  });

  /** Values near `shape`: mostly right, sometimes a wrong type, a missing key or an extra one. */
  const near = (shape: Shape): fc.Arbitrary<unknown> => {
    const wrong = fc.oneof(fc.constant(null), fc.boolean(), fc.string(), fc.double(), fc.array(fc.integer(), { maxLength: 2 }));
    const right: fc.Arbitrary<unknown> =
      shape === 's'
        ? fc.string()
        : shape === 'n'
          ? fc.double()
          : shape === 'u'
            ? fc.jsonValue()
            : fc
                .tuple(
                  fc.record(Object.fromEntries(Object.entries(shape).map(([k, v]) => [k.replace(/\?$/, ''), near(v)])), { requiredKeys: [] }),
                  fc.dictionary(fc.string({ maxLength: 3 }), fc.jsonValue(), { maxKeys: 2 }),
                )
                .map(([known, extra]) => ({ ...extra, ...known }));
    return fc.oneof({ arbitrary: right, weight: 6 }, { arbitrary: wrong, weight: 1 });
  };
  const paths = (issues: readonly { path?: readonly PropertyKey[] }[]) => issues.map((i) => JSON.stringify(i.path)).sort();

  for (const [name, shape, schema] of pairs) {
    it(`accept, drop and refuse as zod does: ${name}`, () => {
      fc.assert(
        fc.property(near(shape), (value) => {
          const mine = checkShape(shape, value);
          const theirs = schema.safeParse(value);
          expect(mine.ok).toBe(theirs.success);
          if (mine.ok) expect(mine.value).toStrictEqual(theirs.data);
          else expect(paths(mine.issues)).toEqual(paths(theirs.error!.issues as { path: PropertyKey[] }[]));
        }),
        { numRuns: 400 },
      );
    });
  }

  it('names what it expected and what came', () => {
    expect(checkShape(AuthResultShape, { user: 'u', session: 1, heartbeatMs: 'x', recovered: [] })).toEqual({
      ok: false,
      issues: [
        { path: ['session'], message: 'Invalid input: expected string, received number' },
        { path: ['heartbeatMs'], message: 'Invalid input: expected number, received string' },
        { path: ['recovered'], message: 'Invalid input: expected object, received array' },
      ],
    });
  });
});

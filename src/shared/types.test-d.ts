import { describe, expectTypeOf, it } from 'vitest';
import * as z from 'zod';
import { defineContract, type AnyClient } from '../core/index.ts';
import { createSharedClient } from './index.ts';

const contract = defineContract({
  'orders.get': { params: z.object({ id: z.string() }), result: z.object({ id: z.string() }) },
});

describe('a shared client', () => {
  it('with a typed contract goes wherever a client goes (providers, observers)', () => {
    const client = createSharedClient({ url: 'ws://x', token: 't', contract });
    expectTypeOf(client).toMatchTypeOf<AnyClient>();
    const take = (c: AnyClient) => c;
    take(client);
    expectTypeOf(client.api.orders.get).returns.resolves.toEqualTypeOf<{ id: string }>();
  });
});

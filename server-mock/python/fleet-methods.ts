/**
 * The Node half of the mixed-fleet tests (fleet.test.ts): the same `fleet.work` as
 * tests/fleet_worker.py, so Node and Python workers share its stream.
 */
import { Redis } from 'ioredis';
import * as z from 'zod';
import { defineMethod } from 'tether-rpc-server';

let redis: Redis | undefined;

export const methods = [
  defineMethod(
    'fleet.work',
    { params: z.object({ ms: z.int().min(0).max(60_000) }), result: z.object({ by: z.string(), worker: z.string() }) },
    async ({ ms }, ctx) => {
      redis ??= new Redis(process.env.REDIS_URL!);
      await redis.rpush(`${process.env.PREFIX}fleet:by:${ctx.callId}`, ctx.worker);
      await new Promise((r) => setTimeout(r, ms));
      return { by: 'node', worker: ctx.worker };
    },
  ),
];

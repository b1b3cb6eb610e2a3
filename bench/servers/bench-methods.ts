/**
 * The method every RPC benchmark calls: an echo with a validated shape, so the worker does
 * what a real method does (parse params, validate the result) and nothing more. The floors
 * (raw ws, socket.io, bare Redis) echo the same payload.
 */
import * as z from 'zod';
import { defineMethod } from '../../server-mock/worker/define.ts';

const Payload = z.object({ n: z.number().int(), text: z.string() });

/** What each benchmark call sends: ~60 bytes of params. */
export const payload = (n: number) => ({ n, text: 'the quick brown fox jumps over the lazy dog' });

export const benchMethods = () => [
  defineMethod('bench.echo', { description: 'Echo the params (benchmarks).', params: Payload, result: Payload }, (p) => p),
];

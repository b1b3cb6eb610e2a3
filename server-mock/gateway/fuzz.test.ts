/**
 * Fuzzing a live gateway: 10,000+ random and malformed frames on authenticated and
 * unauthenticated sockets. The gateway must never crash, must answer every request that has
 * an id exactly once (with a result or a protocol error), and a well-behaved client on the
 * same gateway must keep getting right answers throughout.
 */
import fc from 'fast-check';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { reach, startSystem, until } from '../testing/system.ts';

let system: Awaited<ReturnType<typeof startSystem>>;
beforeAll(async () => {
  // A generous rate limit, so most frames reach the decoder and the handlers.
  system = await startSystem({ gateway: { callsPerSecond: 100_000, maxPendingCalls: 100_000, maxFrameBytes: 16_384 } });
});
afterAll(() => system.stop());

const methods = ['auth', 'auth.refresh', 'rooms.join', 'rooms.leave', 'rooms.publish', 'presence.get', 'system.echo', 'system.ping',
  'system.describe', 'orders.create', 'orders.get', 'tasks.get_stats', 'demo.fail', 'demo.crash', 'no.such', 'pong', 'ping', 'notification',
  '__proto__', 'constructor', 'toString', ''];

/** JSON-RPC-shaped frames with every field possibly wrong. */
const rpcish = fc.record(
  {
    jsonrpc: fc.oneof(fc.constant('2.0'), fc.constant('1.0'), fc.anything()),
    id: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.anything()),
    method: fc.oneof(fc.constantFrom(...methods), fc.string(), fc.anything()),
    params: fc.oneof(
      fc.anything(),
      fc.record({ room: fc.oneof(fc.string(), fc.anything()), since: fc.oneof(fc.string(), fc.anything()), token: fc.string(), event: fc.string() }, { requiredKeys: [] }),
      fc.record({ sku: fc.string(), qty: fc.oneof(fc.integer(), fc.double(), fc.string()) }, { requiredKeys: [] }),
    ),
    result: fc.anything(),
    error: fc.anything(),
  },
  { requiredKeys: [] },
);
const frame = fc.oneof(
  { weight: 5, arbitrary: rpcish.map((o) => JSON.stringify(o)) },
  { weight: 2, arbitrary: fc.json() },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
  { weight: 1, arbitrary: rpcish.map((o) => JSON.stringify(o).slice(0, -1)) }, // truncated JSON
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'null', '[]', '{}', '1e400', '"\\ud800"', '{"jsonrpc":"2.0","id":1,"method":"system.echo","params":' + '['.repeat(2000) + ']'.repeat(2000) + '}') },
);

function socket(url: string) {
  const ws = new WebSocket(url, 'tether.v1');
  const frames: { id?: unknown; error?: { code: number }; result?: unknown; method?: string }[] = [];
  let closedWith: number | undefined;
  ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
  ws.on('close', (code) => (closedWith = code));
  return { ws, frames, closed: () => closedWith, open: new Promise((r) => ws.on('open', r)) };
}

it('survives 10,000 random and malformed frames, answering each request once, while a good client keeps working', async () => {
  const s = system;
  const good = s.client('good');
  await reach(good, 'connected');
  let goodCalls = 0;
  let goodErrors = 0;
  const stopGood = { done: false };
  const goodLoop = (async () => {
    while (!stopGood.done) {
      const n = goodCalls++;
      const echoed = await good.call('system.echo', { n }).catch(() => undefined);
      if (JSON.stringify(echoed) !== JSON.stringify({ n })) goodErrors++;
    }
  })();

  const fuzz = socket(s.gateway.url);
  await fuzz.open;
  fuzz.ws.send(JSON.stringify({ jsonrpc: '2.0', id: 'auth', method: 'auth', params: { token: await s.token('fuzzer') } }));
  await until(() => fuzz.frames.some((f) => f.id === 'auth'));

  const samples = fc.sample(frame, { numRuns: 10_000, seed: 20261122 });
  // Requests we tag with a unique id must each get exactly one answer.
  const tagged: string[] = [];
  for (let i = 0; i < samples.length; i++) {
    let raw = samples[i]!;
    if (i % 3 === 0) {
      try {
        const o = JSON.parse(raw);
        if (o && typeof o === 'object' && !Array.isArray(o) && typeof o.method === 'string' && o.method !== 'auth') {
          o.id = `t${i}`;
          o.jsonrpc = '2.0';
          tagged.push(o.id);
          raw = JSON.stringify(o);
        }
      } catch {
        // not JSON: sent as it is
      }
    }
    fuzz.ws.send(raw);
    if (i % 500 === 0) await new Promise((r) => setTimeout(r, 1));
  }
  // A second, unauthenticated socket gets garbage too.
  const anon = socket(s.gateway.url);
  await anon.open;
  for (const raw of fc.sample(frame, { numRuns: 500, seed: 7 })) anon.ws.send(raw);

  await until(() => {
    const answered = new Set(fuzz.frames.map((f) => f.id));
    return tagged.every((id) => answered.has(id)) || fuzz.closed() !== undefined;
  }, 20_000);
  stopGood.done = true;
  await goodLoop;

  // No frame here is over the size limit: the socket must have survived all of them.
  expect(fuzz.closed()).toBeUndefined();
  expect(tagged.length).toBeGreaterThan(500);
  const counts = new Map<unknown, number>();
  for (const f of fuzz.frames) if (typeof f.id === 'string' && f.id.startsWith('t')) counts.set(f.id, (counts.get(f.id) ?? 0) + 1);
  expect(tagged.filter((id) => counts.get(id) !== 1)).toEqual([]);
  // Every answer is a result or a JSON-RPC error with a numeric code.
  for (const f of fuzz.frames) if ('error' in f) expect(typeof f.error?.code).toBe('number');
  expect(fuzz.frames.length).toBeGreaterThan(9000);
  expect(anon.frames.every((f) => f.error?.code !== undefined)).toBe(true);
  expect(goodErrors).toBe(0);
  expect(goodCalls).toBeGreaterThan(10);
  expect(good.getSnapshot().state).toBe('connected');
  expect(await good.call('system.ping')).toMatchObject({ pong: true });
  fuzz.ws.close();
  anon.ws.close();
}, 60_000);

/**
 * The method directory on Redis: which methods some live worker serves, and their JSON Schema
 * descriptions (for `system.describe`). Each worker announces its methods with a lease (Redis
 * clock) and renews it while it lives, so a method whose last worker is gone drops out, and a
 * gateway answers calls to it -32601 at once instead of queueing them for nobody.
 * Keys: `serving` (sorted set, `<method as a key part><worker>` → lease end), `methods` (hash,
 * method → description).
 */
import { keyPart } from './broker.ts';
import { defineScript, runScript, type RedisContext } from './redis-shared.ts';

/** KEYS: serving, methods. ARGV: ttl ms, then method, worker, description triples. */
export const advertiseScript = defineScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
for i = 2, #ARGV, 3 do
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), string.len(ARGV[i]) .. ':' .. ARGV[i] .. ARGV[i + 1])
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 2])
end
`);

/** KEYS: serving, methods. Returns a flat [method, description, …] of the methods with a live lease. */
const methodsScript = defineScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local seen, out = {}, {}
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')) do
  local n, rest = string.match(member, '^(%d+):(.*)$')
  local method = string.sub(rest, 1, tonumber(n))
  if not seen[method] then
    seen[method] = true
    out[#out + 1] = method
    out[#out + 1] = redis.call('HGET', KEYS[2], method) or 'null'
  end
end
return out
`);

export function createDirectory(ctx: RedisContext) {
  const { keys } = ctx;
  return {
    async advertise(worker: string, methods: Record<string, unknown>, ttlMs: number): Promise<void> {
      const args = Object.entries(methods).flatMap(([name, d]) => [name, worker, JSON.stringify(d ?? null)]);
      if (args.length) await ctx.command((c) => runScript(c, advertiseScript, [keys.serving, keys.methods], [Math.max(1, Math.round(ttlMs)), ...args]));
    },

    async withdraw(worker: string, methods: readonly string[]): Promise<void> {
      if (methods.length) await ctx.command((c) => c.zrem(keys.serving, ...methods.map((m) => `${keyPart(m)}${worker}`)));
    },

    async methods(): Promise<Record<string, unknown>> {
      const flat = await ctx.command((c) => runScript(c, methodsScript, [keys.serving, keys.methods], []));
      const out: Record<string, unknown> = {};
      if (Array.isArray(flat)) for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = JSON.parse(String(flat[i + 1])) as unknown;
      return out;
    },
  };
}

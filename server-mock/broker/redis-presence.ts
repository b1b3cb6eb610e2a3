/**
 * Presence on Redis: per room, a sorted set of connections (`<user>\0<conn>` → expiry, epoch
 * ms on the Redis clock) and a hash of users → live connection count. Each operation is one
 * Lua script, so "first connection: joined" and "last one gone: left" hold with any number of
 * gateways (docs/redis-contract.md). Connections that were not refreshed are removed, and announced as
 * `left` when they were the user's last, by whichever operation touches the room next.
 */
import { defineScript, runScript, type RedisContext } from './redis-shared.ts';

/**
 * Shared opening of the scripts. KEYS: connections zset, users hash.
 * ARGV[1]: the room's channel, ARGV[2]: the room's name; the scripts' own arguments follow.
 */
const prelude = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function announce(change, user)
  redis.call('PUBLISH', ARGV[1], cjson.encode({ kind = 'presence', room = ARGV[2], [change] = user }))
end
-- Remove one connection; announce 'left' if it was the user's last.
local function drop(member)
  if redis.call('ZREM', KEYS[1], member) == 0 then return end
  local user = string.match(member, '^(.*)%z') -- up to the last \\0: connection ids have none
  if redis.call('HINCRBY', KEYS[2], user, -1) <= 0 then
    redis.call('HDEL', KEYS[2], user)
    announce('left', user)
  end
end
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do drop(member) end
`;

/** ARGV[3]: member, ARGV[4]: user, ARGV[5]: ttlMs. */
const enterScript = defineScript(`${prelude}
local ttl = tonumber(ARGV[5])
if redis.call('ZADD', KEYS[1], now + ttl, ARGV[3]) == 1 and redis.call('HINCRBY', KEYS[2], ARGV[4], 1) == 1 then
  announce('joined', ARGV[4])
end
-- The keys outlive their newest entry and no more, so a room everyone abandoned disappears.
for _, key in ipairs(KEYS) do
  if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
end
`);

/** ARGV[3]: member. */
const exitScript = defineScript(`${prelude}
drop(ARGV[3])
`);

const membersScript = defineScript(`${prelude}
return redis.call('HKEYS', KEYS[2])
`);

export function createPresence(ctx: RedisContext) {
  const { keys } = ctx;
  const run = (script: typeof enterScript, room: string, ...args: (string | number)[]) =>
    ctx.command((c) =>
      runScript(c, script, [keys.presence(room), keys.presenceUsers(room)], [keys.channel({ kind: 'room', room }), room, ...args]),
    );
  const member = (user: string, conn: string) => `${user}\u0000${conn}`;

  return {
    async enter(room: string, user: string, conn: string, ttlMs: number): Promise<void> {
      await run(enterScript, room, member(user, conn), user, Math.max(1, Math.round(ttlMs)));
    },
    async exit(room: string, user: string, conn: string): Promise<void> {
      await run(exitScript, room, member(user, conn));
    },
    async members(room: string): Promise<string[]> {
      const users = await run(membersScript, room);
      return Array.isArray(users) ? users.map(String) : [];
    },
  };
}

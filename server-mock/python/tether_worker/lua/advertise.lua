
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
for i = 2, #ARGV, 3 do
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), string.len(ARGV[i]) .. ':' .. ARGV[i] .. ARGV[i + 1])
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 2])
end

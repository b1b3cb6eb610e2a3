
redis.call('SET', KEYS[1], ARGV[1], 'XX', 'KEEPTTL')
local targets = { [KEYS[4]] = true }
for _, replyTo in ipairs(redis.call('SMEMBERS', KEYS[2])) do targets[ARGV[7] .. replyTo] = true end
for key in pairs(targets) do
  redis.call('XADD', key, 'MAXLEN', '~', ARGV[5], '*', 'payload', ARGV[2])
  redis.call('PEXPIRE', key, ARGV[6])
end
redis.call('DEL', KEYS[2])
redis.call('XACK', KEYS[3], ARGV[4], ARGV[3])

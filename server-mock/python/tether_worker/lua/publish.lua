
local function epoch(fresh)
  local meta = redis.call('HMGET', KEYS[2], 'epoch', 'tip')
  if meta[1] and not (meta[2] and redis.call('EXISTS', KEYS[1]) == 0) then return meta[1] end
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[2], 'epoch', fresh)
  return fresh
end
local function trim(key, nowMs, maxAgeMs, maxLen)
  local cut -- the newest entry removed
  local minMs = nowMs - maxAgeMs
  if minMs > 0 then
    local minId = string.format('%d', minMs) .. '-0'
    local old = redis.call('XREVRANGE', key, '(' .. minId, '-', 'COUNT', 1)
    if old[1] then
      cut = old[1][1]
      redis.call('XTRIM', key, 'MINID', '=', minId)
    end
  end
  local excess = redis.call('XLEN', key) - maxLen
  if excess > 0 then
    local oldest = redis.call('XRANGE', key, '-', '+', 'COUNT', excess)
    cut = oldest[#oldest][1]
    redis.call('XTRIM', key, 'MAXLEN', '=', maxLen)
  end
  if not cut then return end
  local info = redis.call('XINFO', 'STREAM', key)
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then redis.call('XSETID', key, info[i + 1], 'MAXDELETEDID', cut) end
  end
end

local e = epoch(ARGV[7])
local id = redis.call('XADD', KEYS[1], '*', 'payload', ARGV[4])
redis.call('HSET', KEYS[2], 'tip', id)
trim(KEYS[1], tonumber(string.match(id, '^%d+')), tonumber(ARGV[2]), tonumber(ARGV[1]))
local offset = e .. ':' .. id
redis.call('PUBLISH', ARGV[3], ARGV[5] .. offset .. ARGV[6])
return offset

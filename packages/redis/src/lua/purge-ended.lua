-- Deletes up to `limit` activities that ended before a time, with their index entries. Atomic,
-- so several nodes purging at once never delete one twice nor leave an index pointing nowhere.
-- Returns how many were deleted.
--
-- ARGV: 1 key prefix, 2 ended before (epoch ms, exclusive), 3 limit
local p = ARGV[1]
local ids = redis.call('ZRANGEBYSCORE', p .. 'ended', '-inf', '(' .. ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local purged = 0
for _, id in ipairs(ids) do
  local key = p .. 'a:' .. id
  local f = redis.call('HMGET', key, 'state', 'lex', 'parent')
  if f[2] then
    redis.call('ZREM', p .. 'all', f[2])
    redis.call('ZREM', p .. 'state:' .. f[1], f[2])
    if f[3] and f[3] ~= '' then redis.call('ZREM', p .. 'parent:' .. f[3], f[2]) end
    redis.call('DEL', key)
    purged = purged + 1
  end
  redis.call('ZREM', p .. 'ended', id)
end
return purged

-- Deletes up to `limit` entries of each feed view last written before a time. Atomic, so an
-- index entry rewritten meanwhile is never half deleted. Returns how many were deleted.
--
-- ARGV: 1 key prefix, 2 written before (epoch ms, exclusive), 3 limit
local p, before, limit = ARGV[1], '(' .. ARGV[2], tonumber(ARGV[3])
local changes = redis.call('ZRANGEBYSCORE', p .. 'changes', '-inf', before, 'LIMIT', 0, limit)
for _, member in ipairs(changes) do redis.call('ZREM', p .. 'changes', member) end
local keys = redis.call('ZRANGEBYSCORE', p .. 'index:written', '-inf', before, 'LIMIT', 0, limit)
for _, key in ipairs(keys) do
  redis.call('ZREM', p .. 'index:written', key)
  redis.call('HDEL', p .. 'index:doc', key)
  redis.call('HDEL', p .. 'index:seq', key)
end
return #changes + #keys

-- Compare-and-set of one modelChangesES entry on its seq; on success takes the next global seq,
-- stores the entry and appends its change.index event. Returns the seq, or false.
--
-- ARGV: 1 key prefix, 2 stream MAXLEN, 3 entry key, 4 expected seq ('' = no entry yet),
--       5 write time, 6 stored JSON (without seq), 7 public JSON
local p, maxlen, key, expect = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local cur = redis.call('HGET', p .. 'index:seq', key)
if expect == '' then
  if cur then return false end
elseif cur ~= expect then
  return false
end
local seq = redis.call('INCR', p .. 'seq')
redis.call('HSET', p .. 'index:doc', key, ARGV[6])
redis.call('HSET', p .. 'index:seq', key, seq)
redis.call('ZADD', p .. 'index:written', ARGV[5], key)
local event = '{"seq":' .. seq .. ',"type":"change.index","at":' .. ARGV[5] .. ',"change":' .. ARGV[7] .. '}'
redis.call('XADD', p .. 'events', 'MAXLEN', '~', maxlen, seq .. '-0', 'e', event)
return seq

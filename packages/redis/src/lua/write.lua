-- Compare-and-set of one activity on its seq. On success, in one atomic step: takes the next
-- global seq from INCR, stores the activity, keeps every index in step and appends the event to
-- the bounded stream under the explicit id <seq>-0 (so resuming by seq is an XRANGE).
-- Returns the new seq, or false when the condition failed (nothing changed).
--
-- The stored document is the public activity without seq (sent once, for both the hash and the
-- event); seq and runner are hash fields of their own.
--
-- ARGV: 1 key prefix, 2 id, 3 expected seq ('' = must not exist), 4 event type,
--       5 public activity JSON without seq and without its closing brace,
--       6 state, 7 runner ('' = remote), 8 list key (padded createdAt:id), 9 parentId (''),
--       10 leaseExpiresAt (''), 11 endedAt (''), 12 event time, 13 stream MAXLEN
local p, id, expect = ARGV[1], ARGV[2], ARGV[3]
local key = p .. 'a:' .. id
local cur = redis.call('HMGET', key, 'seq', 'state', 'runner', 'lex')
if expect == '' then
  if cur[1] then return false end
elseif cur[1] ~= expect then
  return false
end

local state, runner, lex, parent = ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local seq = redis.call('INCR', p .. 'seq')

if cur[1] then
  redis.call('ZREM', p .. 'state:' .. cur[2], cur[4])
  if cur[3] ~= '' then redis.call('SREM', p .. 'inproc:' .. cur[3], id) end
else
  redis.call('ZADD', p .. 'all', 0, lex)
  if parent ~= '' then redis.call('ZADD', p .. 'parent:' .. parent, 0, lex) end
end
redis.call('ZADD', p .. 'state:' .. state, 0, lex)

local running = state == 'running'
if running and runner == '' and ARGV[10] ~= '' then
  redis.call('ZADD', p .. 'lease', ARGV[10], id)
else
  redis.call('ZREM', p .. 'lease', id)
end
if running and runner == '' then
  redis.call('ZADD', p .. 'remote', 0, id)
else
  redis.call('ZREM', p .. 'remote', id)
end
if running and runner ~= '' then
  redis.call('SADD', p .. 'inproc:' .. runner, id)
  redis.call('SADD', p .. 'runners', runner)
elseif runner ~= '' and redis.call('SCARD', p .. 'inproc:' .. runner) == 0 then
  redis.call('SREM', p .. 'runners', runner)
end
if ARGV[11] ~= '' then redis.call('ZADD', p .. 'ended', ARGV[11], id) end

redis.call('HSET', key, 'doc', ARGV[5] .. '}', 'seq', seq, 'state', state, 'runner', runner, 'lex', lex, 'parent', parent)
local event = '{"seq":' .. seq .. ',"type":"' .. ARGV[4] .. '","at":' .. ARGV[12] .. ',"activity":' .. ARGV[5] .. ',"seq":' .. seq .. '}}'
redis.call('XADD', p .. 'events', 'MAXLEN', '~', ARGV[13], seq .. '-0', 'e', event)
return seq

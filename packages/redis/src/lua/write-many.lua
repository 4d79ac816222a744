-- Compare-and-set of several activities, each on its seq, in one call: the writes a node queued
-- during one event-loop turn (a script call costs Redis far more than the commands inside it, so
-- one call per turn instead of one per write). Items apply in order, each exactly as a single
-- write would: if its condition holds, it takes the next global seq, stores the activity, keeps
-- every index in step and appends the event to the stream under the explicit id <seq>-0 (so
-- resuming by seq is an XRANGE). The seq counter is read once and written once per call (the
-- script is atomic, so that is the same as an INCR per item, for two commands instead of one per
-- item), and the stream is trimmed once, after the last item.
-- Returns one entry per item: its new seq, or 0 when its condition failed (nothing changed).
--
-- The stored document is the public activity without seq (sent once, for both the hash and the
-- event); seq and runner are hash fields of their own.
--
-- ARGV: 1 key prefix, 2 stream MAXLEN, then 11 per item:
--       id, expected seq ('' = must not exist), event type,
--       public activity JSON without seq and without its closing brace,
--       state, runner ('' = remote), list key (padded createdAt:id), parentId (''),
--       leaseExpiresAt (''), endedAt (''), event time.
--       List key and parentId never change: an update (expected seq given) may send them empty, and
--       the stored ones are used; only doc and seq (and state, runner when they moved) are rewritten.
local p, maxlen = ARGV[1], ARGV[2]
local events, seqKey = p .. 'events', p .. 'seq'
local first = tonumber(redis.call('GET', seqKey)) or 0
local last = first
local results = {}

local function apply(i)
  local id, expect = ARGV[i], ARGV[i + 1]
  local key = p .. 'a:' .. id
  local cur = redis.call('HMGET', key, 'seq', 'state', 'runner', 'lex')
  if expect == '' then
    if cur[1] then return 0 end
  elseif cur[1] ~= expect then
    return 0
  end

  local doc, state, runner, lex, parent = ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6], ARGV[i + 7]
  local lease, ended = ARGV[i + 8], ARGV[i + 9]
  last = last + 1
  local seq = last

  if cur[1] then
    lex = cur[4]
    if cur[2] ~= state then
      redis.call('ZREM', p .. 'state:' .. cur[2], cur[4])
      redis.call('ZADD', p .. 'state:' .. state, 0, lex)
    end
    if cur[3] ~= '' then redis.call('SREM', p .. 'inproc:' .. cur[3], id) end
  else
    redis.call('ZADD', p .. 'all', 0, lex)
    if parent ~= '' then redis.call('ZADD', p .. 'parent:' .. parent, 0, lex) end
    redis.call('ZADD', p .. 'state:' .. state, 0, lex)
  end

  local running = state == 'running'
  if running and runner == '' and lease ~= '' then
    redis.call('ZADD', p .. 'lease', lease, id)
  else
    redis.call('ZREM', p .. 'lease', id)
  end
  -- A running remote activity stays in 'remote' across its updates: add it only when it starts.
  if running and runner == '' then
    if not cur[1] then redis.call('ZADD', p .. 'remote', 0, id) end
  else
    redis.call('ZREM', p .. 'remote', id)
  end
  if running and runner ~= '' then
    redis.call('SADD', p .. 'inproc:' .. runner, id)
    redis.call('SADD', p .. 'runners', runner)
  elseif runner ~= '' and redis.call('SCARD', p .. 'inproc:' .. runner) == 0 then
    redis.call('SREM', p .. 'runners', runner)
  end
  if ended ~= '' then redis.call('ZADD', p .. 'ended', ended, id) end

  if not cur[1] then
    redis.call('HSET', key, 'doc', doc .. '}', 'seq', seq, 'state', state, 'runner', runner, 'lex', lex, 'parent', parent)
  elseif cur[2] == state and cur[3] == runner then
    redis.call('HSET', key, 'doc', doc .. '}', 'seq', seq)
  else
    redis.call('HSET', key, 'doc', doc .. '}', 'seq', seq, 'state', state, 'runner', runner)
  end
  local event = '{"seq":' .. seq .. ',"type":"' .. ARGV[i + 2] .. '","at":' .. ARGV[i + 10] .. ',"activity":' .. doc .. ',"seq":' .. seq .. '}}'
  redis.call('XADD', events, seq .. '-0', 'e', event)
  return seq
end

for i = 3, #ARGV, 11 do
  results[#results + 1] = apply(i)
end
if last ~= first then redis.call('SET', seqKey, last) end
redis.call('XTRIM', events, 'MAXLEN', '~', maxlen)
return results

-- Compare-and-set of several activities, each on its seq, in one call: the writes a node queued
-- during one event-loop turn (a script call costs Redis far more than the commands inside it, so
-- one call per turn instead of one per write). Items apply in order, each exactly as a single
-- write would: if its condition holds, it takes the next global seq, stores the activity and keeps
-- every index in step. The seq counter is read once and written once per call (the script is
-- atomic, so that is the same as an INCR per item).
--
-- The call's events go to the stream as ONE entry, id <last seq>-0, field 'l': lines, joined by
-- '\n' (no line holds one: ids are the hub's UUIDs, the rest JSON). The first line is the seq of the
-- call's first item; its items follow in seq order, each taking the next seq (seqs of one call are
-- consecutive, an item whose condition failed takes none and is absent; resuming after seq N is an
-- XRANGE from N+1-0, whose first entry may start before N+1). Two kinds of item:
--   full:  one line, {"seq":N,"type":T,"at":AT,"activity":{...,"seq":N}[,"runner":R][,"prev":{...},"pseq":F]}
--          the whole public activity; "prev" is the document this write replaced when updates
--          ("plain" items) were written on it since (they refer to it by its seq F), so a reader
--          that missed document F can still rebuild them from the stream.
--   plain: three lines, ID, F, {"progress":..,"subtitle":..,"updatedAt":..,"leaseExpiresAt":..}
--          an activity.updated that changed only those four fields: the event's activity is the
--          document written at seq F (the last full write) with these live fields over it, at the
--          item's seq. A first line that is no '{' is a plain item's id.
--   Lines, not a JSON array of objects: the keys, braces and seqs of each plain item cost Redis
--   about 0.3 µs per item to put together (8 pieces per item against 3), and made entries a third longer.
-- (Entries of field 'b' are those of the previous version: a JSON array of the same items, each
-- with its "seq", plain ones as {"seq":N,"id":ID,"d":F,"live":{...}}. Readers still read them.)
-- The stream is trimmed to about MAXLEN events by seq (MINID), by a call whose seqs cross a multiple
-- of 64 (an XTRIM per call cost about 2 µs, and 'MINID ~' trims whole stream nodes anyway).
-- Returns one entry per item: its new seq, or 0 when its condition failed (nothing changed); then
-- the seq before the call's first. The writer needs no stream read for its own entry when that
-- equals the last seq it dispatched: nothing from another node came in between.
--
-- The hash: doc (public activity without seq, as of the last full write), dseq (that write's
-- seq), live (the four live fields' JSON since then, '' when none), seq, state, runner, lex, parent.
--
-- ARGV: 1 key prefix, 2 stream MAXLEN, then items of three kinds (the argument count per item is
-- what Redis spends on most after the commands: each is parsed, made an object and a Lua string):
--   plain update, 3 values: id, expected seq, live JSON. No kind: an id (a UUID) is never 'l' or 'f'.
--   'l' (plain update that re-scores the lease index), 5 values: kind, id, expected seq, live JSON,
--       leaseExpiresAt. The index holds a lower bound of each expiry (the node decides when to
--       re-score: `leaseToIndex` in redis-store.ts).
--   'f' (full write), 12 values: kind, id, expected seq ('' = must not exist), event type,
--       public activity JSON without seq and without its closing brace,
--       state, runner ('' = remote), list key (padded createdAt:id), parentId (''),
--       leaseExpiresAt (''), endedAt (''), event time.
--       List key and parentId never change: an update may send them empty; the stored ones are used.
local p, maxlen = ARGV[1], tonumber(ARGV[2])
local events, seqKey = p .. 'events', p .. 'seq'
local first = tonumber(redis.call('GET', seqKey)) or 0
local last = first
local results = {}

local leaseKey = p .. 'lease'

-- Seqs become text by format('%d') (an integer's digits). Passed as a number, Redis writes one with
-- '%.17g', and tostring or `..` with '%.14g': glibc's floating-point printing, which cost about
-- 0.1 µs per item more (microbench: evalsha 2.50 -> 2.41 µs per plain item).
local format = string.format

-- The entry is built by one table.concat at the end from the lines appended here: making each
-- item a string of its own first cost about 0.5 µs per item (a new Lua string each, and garbage).
local lines, n = { format('%d', first + 1) }, 1

local function full(i)
  local id, expect = ARGV[i + 1], ARGV[i + 2]
  local key = p .. 'a:' .. id
  local cur = redis.call('HMGET', key, 'seq', 'state', 'runner', 'lex', 'dseq')
  if expect == '' then
    if cur[1] then return 0 end
  elseif cur[1] ~= expect then
    return 0
  end

  local doc, state, runner, lex, parent = ARGV[i + 4], ARGV[i + 5], ARGV[i + 6], ARGV[i + 7], ARGV[i + 8]
  local lease, ended = ARGV[i + 9], ARGV[i + 10]
  last = last + 1
  local seq = format('%d', last)

  local prev = ''
  if cur[1] then
    lex = cur[4]
    if cur[2] ~= state then
      redis.call('ZREM', p .. 'state:' .. cur[2], cur[4])
      redis.call('ZADD', p .. 'state:' .. state, 0, lex)
    end
    if cur[3] ~= '' then redis.call('SREM', p .. 'inproc:' .. cur[3], id) end
    if cur[5] and cur[5] ~= cur[1] then
      prev = ',"prev":' .. redis.call('HGET', key, 'doc') .. ',"pseq":' .. cur[5]
    end
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
    redis.call('HSET', key, 'doc', doc .. '}', 'seq', seq, 'dseq', seq, 'live', '', 'state', state, 'runner', runner, 'lex', lex, 'parent', parent)
  elseif cur[2] == state and cur[3] == runner then
    redis.call('HSET', key, 'doc', doc .. '}', 'seq', seq, 'dseq', seq, 'live', '')
  else
    redis.call('HSET', key, 'doc', doc .. '}', 'seq', seq, 'dseq', seq, 'live', '', 'state', state, 'runner', runner)
  end
  local who = runner ~= '' and (',"runner":' .. cjson.encode(runner)) or ''
  n = n + 1
  lines[n] = '{"seq":' .. seq .. ',"type":"' .. ARGV[i + 3] .. '","at":' .. ARGV[i + 11]
    .. ',"activity":' .. doc .. ',"seq":' .. seq .. '}' .. who .. prev .. '}'
  return last
end

-- Plain items are written here in the loop, not by a function of their own: a Lua call per item
-- (and `last`, `n`, `lines` as its upvalues) cost about 0.07 µs per item (microbench: evalsha 2.39 -> 2.32).
local i, argc = 3, #ARGV
while i <= argc do
  local kind = ARGV[i]
  if kind == 'f' then
    results[#results + 1] = full(i)
    i = i + 12
  else
    -- `lease`: the expiry to index ('l'), or '' to leave the index alone.
    local lease, size = '', 3
    if kind == 'l' then
      lease, i, size = ARGV[i + 4], i + 1, 4
    end
    local id, expect, live = ARGV[i], ARGV[i + 1], ARGV[i + 2]
    local key = p .. 'a:' .. id
    local cur = redis.call('HMGET', key, 'seq', 'dseq')
    if cur[1] ~= expect then
      results[#results + 1] = 0
    else
      last = last + 1
      local seq = format('%d', last)
      -- A hash written before documents had their own seq holds the document of its latest seq.
      local dseq = cur[2]
      if dseq then
        redis.call('HSET', key, 'seq', seq, 'live', live)
      else
        dseq = cur[1]
        redis.call('HSET', key, 'seq', seq, 'live', live, 'dseq', dseq)
      end
      if lease ~= '' then redis.call('ZADD', leaseKey, lease, id) end
      lines[n + 1] = id
      lines[n + 2] = dseq
      lines[n + 3] = live
      n = n + 3
      results[#results + 1] = last
    end
    i = i + size
  end
end
if last ~= first then
  local seq = format('%d', last)
  redis.call('SET', seqKey, seq)
  redis.call('XADD', events, seq .. '-0', 'l', table.concat(lines, '\n'))
  if math.floor(last / 64) ~= math.floor(first / 64) then
    redis.call('XTRIM', events, 'MINID', '~', math.max(0, last - maxlen + 1))
  end
end
results[#results + 1] = first
return results

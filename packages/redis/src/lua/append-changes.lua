-- Stores recorded changes and appends one change.model event for each, all or nothing. Each
-- change is kept in a sorted set scored by its write time (retention and `since` read by it);
-- its member starts with its zero-padded seq, so changes written in one millisecond keep seq order.
-- Returns the seqs, in order.
--
-- ARGV: 1 key prefix, 2 stream MAXLEN, then per change: write time, stored JSON, public JSON
local p, maxlen = ARGV[1], ARGV[2]
local seqs = {}
for i = 3, #ARGV, 3 do
  local at, stored, public = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local seq = redis.call('INCR', p .. 'seq')
  redis.call('ZADD', p .. 'changes', at, string.format('%016d', seq) .. ':' .. stored)
  local event = '{"seq":' .. seq .. ',"type":"change.model","at":' .. at .. ',"change":' .. public .. '}'
  redis.call('XADD', p .. 'events', 'MAXLEN', '~', maxlen, seq .. '-0', 'e', event)
  seqs[#seqs + 1] = seq
end
return seqs

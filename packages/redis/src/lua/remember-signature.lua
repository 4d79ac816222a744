-- Remembers a signature until it expires; returns 0 if it is remembered and not expired yet (a
-- replay), else 1. Atomic, so two nodes never both accept one signature. Times come from the
-- caller's clock, like every other time the hub keeps.
--
-- ARGV: 1 key prefix, 2 signature hash, 3 now (epoch ms), 4 expires at (epoch ms)
local key = ARGV[1] .. 'signatures'
redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[3])
if redis.call('ZSCORE', key, ARGV[2]) then return 0 end
redis.call('ZADD', key, ARGV[4], ARGV[2])
return 1

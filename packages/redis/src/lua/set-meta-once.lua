-- Sets a named value only if it has none yet; returns the value now stored. Atomic, so the first
-- node to start creates the admin token and every other node reads that one.
--
-- ARGV: 1 key prefix, 2 name, 3 value
redis.call('HSETNX', ARGV[1] .. 'meta', ARGV[2], ARGV[3])
return redis.call('HGET', ARGV[1] .. 'meta', ARGV[2])

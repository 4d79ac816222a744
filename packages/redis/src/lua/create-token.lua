-- Stores a token by id and by hash (the record itself, so authenticating is one HGET), only if
-- no token has its id, and bumps the access version that nodes cache principals by. Returns 1 if
-- stored, else 0: of two nodes starting at once, only one creates the bootstrap admin token.
--
-- ARGV: 1 key prefix, 2 token id, 3 token hash, 4 token JSON
local p = ARGV[1]
if redis.call('HSETNX', p .. 'tokens', ARGV[2], ARGV[4]) == 0 then return 0 end
redis.call('HSET', p .. 'token-hashes', ARGV[3], ARGV[4])
redis.call('INCR', p .. 'access:version')
return 1

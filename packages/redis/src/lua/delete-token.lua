-- Deletes a token and its hash lookup together, and bumps the access version in the same step, so
-- no node serves a principal it cached from the token. Returns 1 if it existed, else 0.
--
-- ARGV: 1 key prefix, 2 token id
local p = ARGV[1]
local doc = redis.call('HGET', p .. 'tokens', ARGV[2])
if not doc then return 0 end
redis.call('HDEL', p .. 'token-hashes', cjson.decode(doc).hash)
redis.call('INCR', p .. 'access:version')
return redis.call('HDEL', p .. 'tokens', ARGV[2])

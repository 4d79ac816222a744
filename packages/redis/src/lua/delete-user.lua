-- Deletes a user with its tokens, keys and presence, and bumps the access version, in one step, so
-- a revoked user's token is refused at once on every node (none serves it from its cache).
-- Returns 1 if the user existed, else 0.
--
-- ARGV: 1 key prefix, 2 user id
local p, uid = ARGV[1], tonumber(ARGV[2])
local tokens = redis.call('HGETALL', p .. 'tokens')
for i = 1, #tokens, 2 do
  local t = cjson.decode(tokens[i + 1])
  if t.userId == uid then
    redis.call('HDEL', p .. 'tokens', tokens[i])
    redis.call('HDEL', p .. 'token-hashes', t.hash)
  end
end
local keys = redis.call('HGETALL', p .. 'keys')
for i = 1, #keys, 2 do
  if cjson.decode(keys[i + 1]).userId == uid then redis.call('HDEL', p .. 'keys', keys[i]) end
end
redis.call('ZREM', p .. 'presence', ARGV[2])
redis.call('INCR', p .. 'access:version')
return redis.call('HDEL', p .. 'users', ARGV[2])

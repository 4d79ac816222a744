-- Claims a name for a value until it expires, unless a claim that has not expired holds it; returns
-- the value holding it afterwards. Atomic, so of two nodes racing on one name exactly one wins.
-- Expiry follows the caller's clock (`now`, `expires at`, epoch ms), like every other time the hub
-- keeps: the claim is stored as "<expires at> <value>". Redis drops the key itself a little later.
--
-- ARGV: 1 key prefix, 2 name, 3 value, 4 now (epoch ms), 5 expires at (epoch ms)
local key = ARGV[1] .. 'claim:' .. ARGV[2]
local now, expires = tonumber(ARGV[4]), tonumber(ARGV[5])
local held = redis.call('GET', key)
if held then
  local space = string.find(held, ' ', 1, true)
  if tonumber(string.sub(held, 1, space - 1)) > now then return string.sub(held, space + 1) end
end
if expires <= now then return ARGV[3] end
redis.call('SET', key, ARGV[5] .. ' ' .. ARGV[3], 'PX', expires - now + 60000)
return ARGV[3]

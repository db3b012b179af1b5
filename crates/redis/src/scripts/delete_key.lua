-- Deletes one registered key of an account (its record and its by-value entry).
-- Returns 1 when it was registered, else 0.
--
-- KEYS: the account's keys (HASH, see register_key.lua).
-- ARGV: 1 id, 2 the invalidation channel, 3 the invalidation message (published when a key
--   was deleted).

if redis.call('HDEL', KEYS[1], 'i:' .. ARGV[1]) == 0 then return 0 end
local flat = redis.call('HGETALL', KEYS[1])
for i = 1, #flat, 2 do
  if flat[i]:sub(1, 2) == 'v:' and flat[i + 1] == ARGV[1] then
    redis.call('HDEL', KEYS[1], flat[i])
  end
end
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1

-- Removes one revocation entry; returns 1 when the removed entry was live at `now`.
--
-- KEYS: the account's revocations (HASH, see revoke.lua).
-- ARGV: 1 now, 2 field, 3 the invalidation channel, 4 the invalidation message (published when
--   an entry was removed).

local value = redis.call('HGET', KEYS[1], ARGV[2])
if not value then return 0 end
redis.call('HDEL', KEYS[1], ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
local until_value = tonumber(string.match(value, '^([^|]*)|'))
if until_value and until_value > tonumber(ARGV[1]) then return 1 end
return 0

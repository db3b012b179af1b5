-- Writes one playback-rights object of an account, deciding as every rights store does: the
-- id first (create refuses a taken id, replace a free one), then the account's capacity
-- (only a new id takes a place).
--
-- KEYS: the account's rights (HASH): id -> normalised rights JSON.
-- ARGV: 1 id, 2 rights JSON, 3 mode ('create' | 'replace' | 'upsert'), 4 capacity.
-- Reply: 'created' | 'replaced' | 'exists' | 'missing' | 'full'.

local exists = redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1
local mode = ARGV[3]
if exists then
  if mode == 'create' then return 'exists' end
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 'replaced'
end
if mode == 'replace' then return 'missing' end
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[4]) then return 'full' end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 'created'

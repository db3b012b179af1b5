-- Registers one public key of an account, checking in the registry's order: a duplicate
-- id, then the same key under another id, then the account's capacity.
--
-- KEYS: the account's keys (HASH): 'i:' .. id -> "seq|record JSON",
--   'v:' .. public_key.txt -> id (so a key is found by value in O(1)).
-- ARGV: 1 id, 2 public_key.txt value, 3 record JSON, 4 capacity, 5 the invalidation channel,
--   6 the invalidation message (published once registered: every node's cache drops the
--   account's keys).
-- Reply: {'ok'} | {'duplicate_id'} | {'key_registered', other id} | {'full'}.

local id_field = 'i:' .. ARGV[1]
local value_field = 'v:' .. ARGV[2]
local capacity = tonumber(ARGV[4])

if redis.call('HEXISTS', KEYS[1], id_field) == 1 then
  return {'duplicate_id'}
end
local other = redis.call('HGET', KEYS[1], value_field)
if other then
  return {'key_registered', other}
end

local count = 0
local max_seq = -1
local flat = redis.call('HGETALL', KEYS[1])
for i = 1, #flat, 2 do
  if flat[i]:sub(1, 2) == 'i:' then
    count = count + 1
    local seq = tonumber(string.match(flat[i + 1], '^(%d+)|'))
    if seq and seq > max_seq then max_seq = seq end
  end
end
if count >= capacity then
  return {'full'}
end

redis.call('HSET', KEYS[1], id_field, string.format('%d', max_seq + 1) .. '|' .. ARGV[3],
  value_field, ARGV[1])
redis.call('PUBLISH', ARGV[5], ARGV[6])
return {'ok'}

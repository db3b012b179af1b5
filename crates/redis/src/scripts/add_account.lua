-- Adds an account to the registered-accounts SET before one of its keys is registered, and
-- announces it when new, so every node's in-memory copy of the SET learns it.
--
-- KEYS: the registered-accounts SET (a slot of its own).
-- ARGV: 1 account, 2 the invalidation channel, 3 the announcement ('a|MICROS|ACCOUNT').
-- Reply: 1 when the account was new, else 0.

local added = redis.call('SADD', KEYS[1], ARGV[1])
if added == 1 then
  redis.call('PUBLISH', ARGV[2], ARGV[3])
end
return added

-- Appends one audit record (written outside a decision) to its day's stream shard.
--
-- KEYS: the stream.
-- ARGV: 1 the record's JSON line   2 the stream's cap (XADD MAXLEN ~)   3 its TTL in ms
-- The entry holds the record (field r) and the server's TIME when appended (field t,
-- "SECONDS.MICROSECONDS"): a day's report merges the account's streams by it, so records
-- come back in the order they were written across shards too.
local now = redis.call('TIME')
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'r', ARGV[1],
  't', now[1] .. '.' .. string.format('%06d', tonumber(now[2])))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return id

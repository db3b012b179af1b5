-- Adds refusals to one aggregate of an account's day (see audit.rs); returns 1 when the
-- aggregate is new (the caller then lists the HASH in the audit index), 0 when it was merged
-- or dropped.
--
-- KEYS: the day's aggregates (HASH; field "MINUTE|REASON", value "COUNT|FIRST|LAST").
-- ARGV: 1 field, 2 count, 3 first, 4 last, 5 ttl in ms, 6 the most fields kept.
--
-- A full HASH takes no new field: the refusals are added to the "~dropped" field instead,
-- so what one account's day holds stays bounded whatever the reasons and minutes.

local count, first, last = tonumber(ARGV[2]), ARGV[3], ARGV[4]
local created = 0
local value = redis.call('HGET', KEYS[1], ARGV[1])
if value then
  local c, f, l = string.match(value, '^([^|]*)|([^|]*)|([^|]*)$')
  if c then
    count = count + tonumber(c)
    if tonumber(f) < tonumber(first) then first = f end
    if tonumber(l) > tonumber(last) then last = l end
  end
elseif redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[6]) then
  redis.call('HINCRBY', KEYS[1], '~dropped', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  return 0
else
  created = 1
end
redis.call('HSET', KEYS[1], ARGV[1], string.format('%.0f', count) .. '|' .. first .. '|' .. last)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return created

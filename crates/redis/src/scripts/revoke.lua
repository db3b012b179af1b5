-- Adds an entry to one of an account's revocation lists, or merges it into a live one,
-- refusing a new entry when the list already holds `capacity` live entries.
--
-- KEYS: the account's revocations (HASH): field KIND:ID -> "until|value", where KIND is
--   t (token digest), j (jti), u (uid), v (viewer id); the entry is live while until > now.
-- ARGV: 1 now, 2 kind prefix ('t:' ...), 3 field (prefix included), 4 value, 5 until,
--   6 capacity, 7 merge: 'later' (times) | 'max' (signed 64-bit integers, as decimal
--   strings: compared as text so no precision is lost), 8 expiry margin in ms,
--   9 the invalidation channel, 10 the invalidation message (published once written).
-- Reply: 'ok' or 'full'.

local now = tonumber(ARGV[1])
local prefix = ARGV[2]
local field = ARGV[3]
local value = ARGV[4]
local until_s = ARGV[5]
local capacity = tonumber(ARGV[6])
local merge = ARGV[7]
local margin_ms = tonumber(ARGV[8])

-- Compares two decimal integer strings exactly: -1, 0 or 1.
local function compare_int(a, b)
  local a_neg, b_neg = a:sub(1, 1) == '-', b:sub(1, 1) == '-'
  if a_neg ~= b_neg then return a_neg and -1 or 1 end
  local a_digits = a_neg and a:sub(2) or a
  local b_digits = b_neg and b:sub(2) or b
  a_digits = a_digits:gsub('^0+', '')
  b_digits = b_digits:gsub('^0+', '')
  local order
  if #a_digits ~= #b_digits then
    order = #a_digits < #b_digits and -1 or 1
  elseif a_digits == b_digits then
    return 0
  else
    order = a_digits < b_digits and -1 or 1
  end
  if a_neg then return -order end
  return order
end

local function later(a, b)
  if tonumber(b) > tonumber(a) then return b end
  return a
end

-- Expired entries (of every kind) free their places first.
local live = 0
local flat = redis.call('HGETALL', KEYS[1])
for i = 1, #flat, 2 do
  local entry_until = tonumber(string.match(flat[i + 1], '^([^|]*)|'))
  if not entry_until or entry_until <= now then
    redis.call('HDEL', KEYS[1], flat[i])
  elseif flat[i]:sub(1, #prefix) == prefix then
    live = live + 1
  end
end

if tonumber(until_s) <= now then
  -- Already expired: nothing to keep.
  return 'ok'
end

local existing = redis.call('HGET', KEYS[1], field)
if existing then
  local old_until, old_value = string.match(existing, '^([^|]*)|(.*)$')
  if merge == 'max' then
    if compare_int(old_value, value) > 0 then value = old_value end
  else
    value = later(old_value, value)
  end
  until_s = later(old_until, until_s)
elseif live >= capacity then
  return 'full'
end

redis.call('HSET', KEYS[1], field, until_s .. '|' .. value)
local ms = math.ceil((tonumber(until_s) - now) * 1000 + margin_ms)
local current = redis.call('PTTL', KEYS[1])
if current == -1 or current < ms then
  redis.call('PEXPIRE', KEYS[1], ms)
end
redis.call('PUBLISH', ARGV[9], ARGV[10])
return 'ok'

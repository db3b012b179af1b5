-- A stream's heartbeat or stop on one session of one partition (kept apart from apply.lua:
-- a heartbeat admits, evicts, counts and records nothing, so it needs none of the plan).
--
-- KEYS: sessions (HASH key -> "admitted|seq|lease_until|location"), evicted (HASH key ->
--       the lease end it is remembered until), of one partition (one hash tag).
-- ARGV: 1 op: renew | stop   2 now   3 session key   4 lease_until (now + lease, renew only)
--       5 expiry margin in ms
-- Reply, renew: 'renewed' | 'evicted' | 'unknown'; stop: 1 when an active session was
-- stopped, else 0. Redis's own clock is never read.

local op = ARGV[1]
local now = tonumber(ARGV[2])
local key = ARGV[3]
local lease_until_s = ARGV[4]
local margin_ms = tonumber(ARGV[5])

local value = redis.call('HGET', KEYS[1], key)
local entry = nil
if value then
  local admitted, seq, lease, location = string.match(value, '^([^|]*)|([^|]*)|([^|]*)|(.*)$')
  if not admitted then
    return redis.error_reply('playback-auth: malformed session entry')
  end
  if tonumber(lease) > now then
    entry = { admitted = admitted, seq = seq, location = location }
  end
end

if op == 'stop' then
  if not entry then return 0 end
  -- Freed at once, and not remembered as evicted: the same stream may start again.
  redis.call('HDEL', KEYS[1], key)
  return 1
end

if op ~= 'renew' then
  return redis.error_reply('playback-auth: unknown heartbeat operation')
end
if entry then
  redis.call('HSET', KEYS[1], key, entry.admitted .. '|' .. entry.seq .. '|' .. lease_until_s
    .. '|' .. entry.location)
  local ms = math.ceil((tonumber(lease_until_s) - now) * 1000 + margin_ms)
  if ms < 1 then ms = 1 end
  local current = redis.call('PTTL', KEYS[1])
  if current == -1 or current < ms then
    redis.call('PEXPIRE', KEYS[1], ms)
  end
  return 'renewed'
end
local until_s = redis.call('HGET', KEYS[2], key)
if until_s and tonumber(until_s) > now then
  return 'evicted'
end
return 'unknown'

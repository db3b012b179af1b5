-- Ends an active session: it leaves the sessions and is remembered as evicted until its
-- lease would have ended, so its next renewal is refused. Returns 1, or 0 when no such
-- session is active at `now`.
--
-- KEYS: sessions (HASH), evicted (HASH) of one user (one hash tag).
-- ARGV: 1 now, 2 session key, 3 expiry margin in ms.

local now = tonumber(ARGV[1])
local key = ARGV[2]
local margin_ms = tonumber(ARGV[3])

local value = redis.call('HGET', KEYS[1], key)
if not value then return 0 end
local lease_s = string.match(value, '^[^|]*|[^|]*|([^|]*)|')
if not lease_s then
  return redis.error_reply('playback-auth: malformed session entry')
end
local lease = tonumber(lease_s)
if lease <= now then return 0 end

redis.call('HDEL', KEYS[1], key)
redis.call('HSET', KEYS[2], key, lease_s)
local ms = math.ceil((lease - now) * 1000 + margin_ms)
local current = redis.call('PTTL', KEYS[2])
if current == -1 or current < ms then
  redis.call('PEXPIRE', KEYS[2], ms)
end
return 1

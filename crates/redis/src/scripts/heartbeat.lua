-- A stream's heartbeat or stop on one session of one partition (kept apart from apply.lua:
-- a heartbeat admits, evicts, counts and records nothing, so it needs none of the plan), and
-- the session renewals an accepted heartbeat is counted in (see audit_renewals.rs).
--
-- op renew | stop:
--   KEYS: 1 sessions (HASH key -> "admitted|seq|lease_until|location"), 2 evicted (HASH key
--         -> the lease end it is remembered until), of one partition (one hash tag); with
--         renew, optionally 3 the day's renewals HASH of the partition's shard (same tag):
--         the heartbeat is counted there in this call, only when the session was renewed.
--   ARGV: 1 op   2 now   3 session key   4 lease_until (now + lease, renew only)
--         5 expiry margin in ms   6.. the renewals (below), when KEYS[3] is given
--   Reply, renew: 'renewed' | 'evicted' | 'unknown'; stop: 1 when an active session was
--   stopped, else 0.
-- op renewals (a heartbeat counted on its own):
--   KEYS: 1 the day's renewals HASH.   ARGV: 1 op, 2-5 unused, 6.. the renewals.
--   Reply: 1 when the HASH was created (the caller then lists it in the audit index), else 0.
--
-- The renewals HASH: field = session key, value "COUNT|FIRST|LAST|MORE_IPS(0/1)|IP,IP,...|UID".
-- Renewals ARGV: 6 session, 7 count, 8 first, 9 last, 10 more ips (0/1), 11 ips
-- (comma-separated), 12 uid ('' = none), 13 ttl in ms, 14 the most sessions kept, 15 the most
-- ips kept. A full HASH takes no new session: the heartbeats are added to "~dropped" instead.
-- Redis's own clock is never read.

local op = ARGV[1]

local function count_renewals(hash)
  local created = 0
  if redis.call('EXISTS', hash) == 0 then created = 1 end
  local count, first, last = tonumber(ARGV[7]), ARGV[8], ARGV[9]
  local more, ips_s, uid = ARGV[10], ARGV[11], ARGV[12]
  local max_ips = tonumber(ARGV[15])
  local value = redis.call('HGET', hash, ARGV[6])
  if value then
    local c, f, l, m, stored_ips, stored_uid =
      string.match(value, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|(.*)$')
    if c then
      count = count + tonumber(c)
      if tonumber(f) < tonumber(first) then first = f end
      if tonumber(l) > tonumber(last) then last = l end
      if m == '1' then more = '1' end
      if stored_uid ~= '' then uid = stored_uid end
      local seen, list = {}, {}
      for ip in string.gmatch(stored_ips .. ',' .. ips_s, '[^,]+') do
        if not seen[ip] then
          seen[ip] = true
          if #list < max_ips then list[#list + 1] = ip else more = '1' end
        end
      end
      ips_s = table.concat(list, ',')
    end
  elseif redis.call('HLEN', hash) >= tonumber(ARGV[14]) then
    redis.call('HINCRBY', hash, '~dropped', ARGV[7])
    redis.call('PEXPIRE', hash, ARGV[13])
    return created
  end
  redis.call('HSET', hash, ARGV[6], string.format('%.0f', count) .. '|' .. first .. '|' .. last
    .. '|' .. more .. '|' .. ips_s .. '|' .. uid)
  redis.call('PEXPIRE', hash, ARGV[13])
  return created
end

if op == 'renewals' then
  return count_renewals(KEYS[1])
end

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
  if KEYS[3] then
    count_renewals(KEYS[3])
  end
  return 'renewed'
end
local until_s = redis.call('HGET', KEYS[2], key)
if until_s and tonumber(until_s) > now then
  return 'evicted'
end
return 'unknown'

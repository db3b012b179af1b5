-- Applies one DecisionPlan atomically: every check first, then every write, or nothing.
--
-- Every key arrives in KEYS (all share one hash tag); no key name is built here. Time is
-- ARGV[1], the engine's `now`: Redis's own clock never decides (it only stamps the audit
-- record, see write_audit). Times are kept as the
-- decimal strings the engine sent (exact), compared as numbers (IEEE doubles, as in Rust).
--
-- KEYS, in order, each group only when the plan has that part:
--   token:   uses (HASH u = use count, x = expiry), ips (SET), single-use (SET)
--   session: sessions (HASH key -> "admitted|seq|lease_until|location"),
--            evicted (HASH key -> the lease end it is remembered until)
--   device:  devices (HASH id -> "registered|seq")
-- ARGV:
--    1 now                    2 has token (1/0)      3 has session (1/0)   4 has device (1/0)
--    5 expiry margin in ms (added to every TTL, so Redis never drops state before the
--      engines stop needing it)
--    6 token expires_at       7 max uses ('' = none) 8 max ips ('' = none) 9 client ip
--   10 has single use (1/0)  11 single-use id
--   12 session key           13 location key       14 climit
--   15 behaviour: evict_oldest | block_new | block_new_user
--   16 lease_until (now + lease, computed by the engine)
--   17 device id             18 dlimit             19 device retention in ms (0 = forever)
--   20 audit (1/0): when 1, the decision's audit record is written by this same call to the
--      stream that is the LAST key (the account's audit stream of the day for the partition's
--      shard, in the partition's slot, on a cluster too), so a decision is never applied
--      without its record and costs one round trip:
--   21 the record's JSON up to its "decision" member   22 its tail when allowed
--   23 the stream's cap (XADD MAXLEN ~)                24 the stream's TTL in ms
-- Reply:
--   {'refused', code} with code single_use | max_uses | max_ips | session_evicted |
--     stream_limit | device_limit
--   {'applied', session change ('' | admitted | renewed), device registered (1/0),
--     uses ('' unless max uses), evicted session keys..., oldest first}

local now_s = ARGV[1]
local now = tonumber(now_s)
local has_token = ARGV[2] == '1'
local has_session = ARGV[3] == '1'
local has_device = ARGV[4] == '1'
local margin_ms = tonumber(ARGV[5])

-- Extends a key's TTL to at least `ms`, never shortens it (engines may disagree on `now`
-- or on lease lengths; the longest need wins).
local function extend(key, ms)
  ms = math.ceil(ms)
  if ms < 1 then ms = 1 end
  local current = redis.call('PTTL', key)
  if current == -2 then return end
  if current == -1 or current < ms then
    redis.call('PEXPIRE', key, ms)
  end
end

local function ttl_until(until_s)
  local left = (tonumber(until_s) - now) * 1000
  if left < 0 then left = 0 end
  return left + margin_ms
end

local function parse_session(key, value)
  local admitted, seq, lease, location = string.match(value, '^([^|]*)|([^|]*)|([^|]*)|(.*)$')
  if not admitted then return nil end
  return {
    key = key,
    admitted = tonumber(admitted),
    admitted_s = admitted,
    seq = tonumber(seq),
    seq_s = seq,
    lease = tonumber(lease),
    lease_s = lease,
    location = location,
  }
end

local function older(a, b)
  if a.admitted ~= b.admitted then return a.admitted < b.admitted end
  return a.seq < b.seq
end

-- The audit record (ARGV 20-24): written as the decision returns, refused or applied.
local audit = ARGV[20] == '1'
local k_audit = KEYS[#KEYS]
-- The engine's deny code of each refusal (DenyReason::code; a Rust test checks the table).
local deny_codes = {
  single_use = 'single_use_already_used', max_uses = 'max_uses_reached',
  max_ips = 'max_ips_reached', session_evicted = 'session_evicted',
  stream_limit = 'stream_limit_reached', device_limit = 'device_limit_reached',
}

local function write_audit(tail)
  if audit then
    -- Field t: the server's TIME, which a report merges the account's shards by (the
    -- only use of Redis's clock here: it orders records, it decides nothing).
    local clock = redis.call('TIME')
    redis.call('XADD', k_audit, 'MAXLEN', '~', ARGV[23], '*', 'r', ARGV[21] .. tail,
      't', clock[1] .. '.' .. string.format('%06d', tonumber(clock[2])))
    redis.call('PEXPIRE', k_audit, ARGV[24])
  end
end

local function refuse(code)
  write_audit('"decision":"deny","reason":"' .. deny_codes[code] .. '"}')
  return {'refused', code}
end

local index = 1
local k_uses, k_ips, k_single, k_sessions, k_evicted, k_devices
if has_token then
  k_uses, k_ips, k_single = KEYS[index], KEYS[index + 1], KEYS[index + 2]
  index = index + 3
end
if has_session then
  k_sessions, k_evicted = KEYS[index], KEYS[index + 1]
  index = index + 2
end
if has_device then
  k_devices = KEYS[index]
end

-- 1. Token: single use, then max uses, then max ips.
local t_expires_s = ARGV[6]
local t_max_uses = tonumber(ARGV[7])
local t_max_ips = tonumber(ARGV[8])
local t_ip = ARGV[9]
local t_has_single = ARGV[10] == '1'
local t_single = ARGV[11]
local t_live = false
local t_stored_expiry = false
if has_token then
  t_stored_expiry = redis.call('HGET', k_uses, 'x')
  t_live = t_stored_expiry and tonumber(t_stored_expiry) > now
  if t_live then
    if t_has_single and redis.call('SISMEMBER', k_single, t_single) == 1 then
      return refuse('single_use')
    end
    if t_max_uses then
      local uses = tonumber(redis.call('HGET', k_uses, 'u') or '0')
      if uses >= t_max_uses then
        return refuse('max_uses')
      end
    end
    if t_max_ips and redis.call('SISMEMBER', k_ips, t_ip) == 0
        and redis.call('SCARD', k_ips) >= t_max_ips then
      return refuse('max_ips')
    end
  end
end

-- 2. Session: a remembered eviction, then climit.
local s_key = ARGV[12]
local s_location = ARGV[13]
local s_limit = tonumber(ARGV[14])
local s_behavior = ARGV[15]
local s_lease_until_s = ARGV[16]
local s_step = nil
local s_current = nil
local s_evict = {}
local s_expired = {}
local s_max_seq = -1
if has_session then
  local active = {}
  local flat = redis.call('HGETALL', k_sessions)
  for i = 1, #flat, 2 do
    local entry = parse_session(flat[i], flat[i + 1])
    if not entry then
      return redis.error_reply('playback-auth: malformed session entry')
    end
    if entry.seq > s_max_seq then s_max_seq = entry.seq end
    if entry.lease > now then
      active[#active + 1] = entry
      if entry.key == s_key then s_current = entry end
    else
      s_expired[#s_expired + 1] = entry.key
    end
  end
  if s_current then
    s_step = 'renew'
  else
    local until_s = redis.call('HGET', k_evicted, s_key)
    if until_s and tonumber(until_s) > now then
      return refuse('session_evicted')
    end
    if #active >= s_limit then
      table.sort(active, older)
      if s_behavior == 'block_new' then
        return refuse('stream_limit')
      elseif s_behavior == 'block_new_user' then
        for _, entry in ipairs(active) do
          if entry.location == s_location then
            s_evict[1] = entry
            break
          end
        end
        if #s_evict == 0 then
          return refuse('stream_limit')
        end
      elseif s_behavior == 'evict_oldest' then
        for i = 1, #active + 1 - s_limit do
          s_evict[#s_evict + 1] = active[i]
        end
      else
        return redis.error_reply('playback-auth: unknown concurrency behaviour')
      end
    end
    s_step = 'admit'
  end
end

-- 3. Device: dlimit.
local d_id = ARGV[17]
local d_limit = tonumber(ARGV[18])
local d_retention_ms = tonumber(ARGV[19])
local d_register = false
if has_device then
  if redis.call('HEXISTS', k_devices, d_id) == 0 then
    if redis.call('HLEN', k_devices) >= d_limit then
      return refuse('device_limit')
    end
    d_register = true
  end
end

-- Every check passed: write everything.
local uses_out = ''
if has_token then
  if not t_live then
    -- Absent or expired: start afresh (an expired token's IPs and single uses go too).
    redis.call('DEL', k_uses, k_ips, k_single)
    t_stored_expiry = false
  end
  local uses = redis.call('HINCRBY', k_uses, 'u', 1)
  local expiry_s = t_expires_s
  if t_stored_expiry and tonumber(t_stored_expiry) >= tonumber(t_expires_s) then
    expiry_s = t_stored_expiry
  else
    redis.call('HSET', k_uses, 'x', t_expires_s)
  end
  if t_max_ips then redis.call('SADD', k_ips, t_ip) end
  if t_has_single then redis.call('SADD', k_single, t_single) end
  local ttl = ttl_until(expiry_s)
  extend(k_uses, ttl)
  extend(k_ips, ttl)
  extend(k_single, ttl)
  if t_max_uses then uses_out = tostring(uses) end
end

local change = ''
local evicted_out = {}
if has_session then
  for _, key in ipairs(s_expired) do
    redis.call('HDEL', k_sessions, key)
  end
  local remembered = redis.call('HGETALL', k_evicted)
  for i = 1, #remembered, 2 do
    local until_value = tonumber(remembered[i + 1])
    if not until_value or until_value <= now then
      redis.call('HDEL', k_evicted, remembered[i])
    end
  end
  if s_step == 'renew' then
    redis.call('HSET', k_sessions, s_key, s_current.admitted_s .. '|' .. s_current.seq_s
      .. '|' .. s_lease_until_s .. '|' .. s_current.location)
    change = 'renewed'
  else
    for _, entry in ipairs(s_evict) do
      redis.call('HDEL', k_sessions, entry.key)
      redis.call('HSET', k_evicted, entry.key, entry.lease_s)
      extend(k_evicted, ttl_until(entry.lease_s))
      evicted_out[#evicted_out + 1] = entry.key
    end
    redis.call('HSET', k_sessions, s_key, now_s .. '|' .. string.format('%d', s_max_seq + 1)
      .. '|' .. s_lease_until_s .. '|' .. s_location)
    change = 'admitted'
  end
  extend(k_sessions, ttl_until(s_lease_until_s))
end

if has_device then
  if d_register then
    local max_seq = -1
    local flat = redis.call('HGETALL', k_devices)
    for i = 2, #flat, 2 do
      local seq = tonumber(string.match(flat[i], '|(%d+)$'))
      if seq and seq > max_seq then max_seq = seq end
    end
    redis.call('HSET', k_devices, d_id, now_s .. '|' .. string.format('%d', max_seq + 1))
  end
  if d_retention_ms > 0 then
    extend(k_devices, d_retention_ms)
  end
end

write_audit(ARGV[22])
local reply = {'applied', change, d_register and '1' or '0', uses_out}
for _, key in ipairs(evicted_out) do
  reply[#reply + 1] = key
end
return reply

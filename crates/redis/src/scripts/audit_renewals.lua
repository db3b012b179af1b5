-- Adds a session's heartbeats to its entry of an account's day (see audit_renewals.rs);
-- returns 1 when the HASH was created (the caller then lists it in the audit index), else 0.
--
-- KEYS: the day's renewals (HASH; field = session key,
--       value "COUNT|FIRST|LAST|MORE_IPS(0/1)|IP,IP,...|UID").
-- ARGV: 1 session, 2 count, 3 first, 4 last, 5 more ips (0/1), 6 ips (comma-separated),
--       7 uid ('' = none), 8 ttl in ms, 9 the most sessions kept, 10 the most ips kept.
--
-- A full HASH takes no new session: the heartbeats are added to the "~dropped" field instead.

local created = 0
if redis.call('EXISTS', KEYS[1]) == 0 then created = 1 end
local count, first, last = tonumber(ARGV[2]), ARGV[3], ARGV[4]
local more, ips_s, uid = ARGV[5], ARGV[6], ARGV[7]
local max_ips = tonumber(ARGV[10])
local value = redis.call('HGET', KEYS[1], ARGV[1])
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
elseif redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[9]) then
  redis.call('HINCRBY', KEYS[1], '~dropped', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[8])
  return created
end
redis.call('HSET', KEYS[1], ARGV[1], string.format('%.0f', count) .. '|' .. first .. '|' .. last
  .. '|' .. more .. '|' .. ips_s .. '|' .. uid)
redis.call('PEXPIRE', KEYS[1], ARGV[8])
return created

-- reserve: place a hold for one request (the hot path's first round trip).
-- KEYS: the account's 8 keys. ARGV: requestId, hold, floor, rpmLimit (0 = none),
--   monthlyHardLimit (0 = none), minBalance, holdTtlMs.
-- Returns { ok (1|0), refusal ('' when ok), available (after the hold when ok), retryAfterMs }.
local A = account(0)
local req = ARGV[1]
local hold, floor = tonumber(ARGV[2]), tonumber(ARGV[3])
local rpmLimit, hard = tonumber(ARGV[4]), tonumber(ARGV[5])
local minBalance, ttl = tonumber(ARGV[6]), tonumber(ARGV[7])
local now = clock()

expireGrants(A, now)
abandonHolds(A, now)
redis.call('ZREMRANGEBYSCORE', A.rpm, '-inf', s(now - 60000))

local w = redis.call('HMGET', A.wallet, 'balance', 'held', 'disabled')
local bal, held = num(w[1]), num(w[2])
local available = bal - held

-- the same request reserving again (a retry) keeps its one hold
if redis.call('HEXISTS', A.holds, req) == 1
    or redis.call('EXISTS', A.p .. 'settled:' .. req) == 1 then
  return { 1, '', s(available), '0' }
end
if w[3] == '1' then
  return { 0, 'account_disabled', s(available), '0' }
end
if rpmLimit > 0 then
  local n = redis.call('ZCARD', A.rpm)
  if n >= rpmLimit then
    -- a slot frees when the (n - limit + 1)-th oldest entry leaves the 60 s window
    local e = redis.call('ZRANGE', A.rpm, n - rpmLimit, n - rpmLimit, 'WITHSCORES')
    local retry = math.max(1, tonumber(e[2]) + 60000 - now)
    return { 0, 'rate_limit_exceeded', s(available), s(retry) }
  end
end
if hard > 0 then
  local spent = num(redis.call('HGET', monthKey(A, now), 'cost'))
  if spent + held + hold > hard then
    return { 0, 'monthly_limit_reached', s(available), '0' }
  end
end
if available - hold < minBalance or hold > available then
  return { 0, 'insufficient_quota', s(available), '0' }
end

-- the window is kept only for accounts with a limit: a busy account without one would hold a
-- member per request of the last minute for nothing
if rpmLimit > 0 then
  redis.call('ZADD', A.rpm, s(now), req)
  redis.call('PEXPIRE', A.rpm, '61000')
end
redis.call('HINCRBY', A.wallet, 'held', s(hold))
redis.call('HSET', A.holds, req,
    '{"amount":' .. s(hold) .. ',"floor":' .. s(floor) .. ',"expiresAt":' .. s(now + ttl) .. '}')
redis.call('ZADD', A.holdexp, s(now + ttl), req)
return { 1, '', s(available - hold), '0' }

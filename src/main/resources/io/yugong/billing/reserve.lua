-- reserve: place a hold for one request (the hot path's first round trip).
-- KEYS: the account's 8 keys. ARGV: requestId, hold, floor, rpmLimit (0 = none),
--   monthlyHardLimit (0 = none), minBalance, holdTtlMs, ancestors (ids between root and the
--   account, comma-separated, '' = none), pricedAtRate (the account's Rates x 10^4 the hold was
--   priced at, '' = unknown), ownLimits ('rph,rpd,tpm,tph,tpd,modelRpm,modelTpm', 0 = none; the
--   model's already the tighter of the account's and the global ModelLimits), model ('' = none),
--   tokenEstimate (what token limits admit the request by), minHold (0 or '' = the hold is fixed;
--   else the least the hold may shrink to when the balance or a HardLimit cannot cover it: a
--   request without an output limit, which the node then limits to what the hold covers).
-- RPM is a sliding 60 s window (zset rpm); RPH, RPD, TPM, TPH, TPD and the per-model RPM and TPM
-- are fixed UTC windows, one counter each (lim:<what>:<window index>) that expires with its
-- window. Each ancestor's own limits (its record's rph..tpd and modelLimits) count the request too.
-- An account's limits bound its whole subtree: its RPM window counts its descendants' requests,
-- its HardLimit their month's spend (month field `tree`) and holds (wallet field `treeheld`).
-- Each ancestor's status and limits are read here, from its record, so a change to them applies
-- to the next request below it. Ancestors are reached by derived key names (see accountOf).
-- Returns { ok (1|0), refusal ('' when ok), available (after the hold when ok), retryAfterMs,
--   limit (the one reached: RPM, RPH, RPD, TPM, TPH, TPD, model_RPM, model_TPM; else ''),
--   placed (the hold placed, in the units it was priced in; '' = the hold asked for),
--   headroom (the account's own tightest request limit and token limit, for the x-ratelimit-*
--   headers: 'limit remaining resetMs limit remaining resetMs', -1 where it has none; '' = no
--   limits of its own) }.
local A = account(0)
local req = ARGV[1]
local hold, floor = tonumber(ARGV[2]), tonumber(ARGV[3])
local rpmLimit, hard = tonumber(ARGV[4]), tonumber(ARGV[5])
local minBalance, ttl = tonumber(ARGV[6]), tonumber(ARGV[7])
local ancestors = ids(ARGV[8])
local minHold = num(ARGV[13])
local now = clock()

expireGrants(A, now)
abandonHolds(A, now)

local w = redis.call('HMGET', A.wallet, 'balance', 'held', 'disabled', 'rate', 'treeheld', 'deleted')
local bal, held = num(w[1]), num(w[2])
local available = bal - held

-- priced at a Rates the account no longer has (it changed while the request was admitted):
-- the wallet's money is in the new Rates' units
if ARGV[9] and ARGV[9] ~= '' and w[4] and w[4] ~= ARGV[9] then
  hold = muldiv(hold, tonumber(w[4]), tonumber(ARGV[9]), true)
  floor = muldiv(floor, tonumber(w[4]), tonumber(ARGV[9]), true)
  minHold = 0 -- the node's token arithmetic is in the old units: hold as asked
end
local asked = hold

-- whether the hold fits in room, shrinking a hold that may shrink (never below minHold)
local function fits(room)
  if hold <= room then return true end
  if minHold > 0 and room >= minHold then
    hold = room
    return true
  end
  return false
end

-- the same request reserving again (a retry) keeps its one hold
if redis.call('HEXISTS', A.holds, req) == 1
    or redis.call('EXISTS', A.p .. 'settled:' .. req) == 1 then
  return { 1, '', s(available), '0', '' }
end
if w[3] == '1' or w[6] == '1' then
  return { 0, 'account_disabled', s(available), '0' }
end

-- a full request window: the retry-after of the (n - limit + 1)-th oldest entry leaving it
local function windowFull(key, limit)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', s(now - 60000))
  local n = redis.call('ZCARD', key)
  if n < limit then return nil end
  local e = redis.call('ZRANGE', key, n - limit, n - limit, 'WITHSCORES')
  return math.max(1, tonumber(e[2]) + 60000 - now)
end

-- the account's own limits as its x-ratelimit-* headers show them: of its request limits (RPM,
-- RPH, RPD, the model's RPM) and of its token limits, the one with the least remaining
local counters, ownCount = nil, 0
local function headroom()
  local rq, tk
  local function tighter(cur, limit, used, reset)
    local rem = math.max(0, limit - used)
    if not cur or rem < cur[2] or (rem == cur[2] and reset > cur[3]) then
      return { limit, rem, reset }
    end
    return cur
  end
  if rpmLimit > 0 then
    local first = redis.call('ZRANGE', A.rpm, 0, 0, 'WITHSCORES')
    local reset = first[2] and math.max(0, tonumber(first[2]) + 60000 - now) or 0
    rq = tighter(rq, rpmLimit, redis.call('ZCARD', A.rpm), reset)
  end
  for i = 1, ownCount do
    local c = counters[i]
    local used = num(redis.call('GET', c.key))
    if c.tokens then
      tk = tighter(tk, c.limit, used, c.ms - now % c.ms)
    else
      rq = tighter(rq, c.limit, used, c.ms - now % c.ms)
    end
  end
  if not rq and not tk then return '' end
  local function part(v)
    if not v then return '-1 -1 -1' end
    return s(v[1]) .. ' ' .. s(v[2]) .. ' ' .. s(v[3])
  end
  return part(rq) .. ' ' .. part(tk)
end

-- this month's spend of an account and its subtree, and what its subtree holds
local function monthSpend(prefix, treeheld)
  local m = redis.call('HMGET', prefix .. string.format('month:%04d%02d', ymd(now)), 'cost', 'tree')
  return num(m[1]) + num(m[2]) + num(treeheld)
end

if rpmLimit > 0 then
  local retry = windowFull(A.rpm, rpmLimit)
  if retry then return { 0, 'rate_limit_exceeded', s(available), s(retry), 'RPM', '', headroom() } end
end
if hard > 0 then
  if not fits(hard - monthSpend(A.p, w[5]) - held) then
    return { 0, 'monthly_limit_reached', s(available), '0' }
  end
end

local model, est = ARGV[11] or '', math.max(0, num(ARGV[12]))
counters = windowLimits(A.p, ids(ARGV[10] or ''), model, est, now)
ownCount = #counters
local rl, hl = {}, {}
for _, id in ipairs(ancestors) do
  local P = accountOf(id)
  local f = redis.call('HMGET', P.p .. 'account', 'status', 'rateLimit', 'hardLimit', 'rph', 'rpd',
      'tpm', 'tph', 'tpd', 'modelLimits')
  windowLimits(P.p, { f[4], f[5], f[6], f[7], f[8], modelLimit(f[9], model, 'rpm'),
    modelLimit(f[9], model, 'tpm') }, model, est, now, counters)
  if f[1] ~= 'active' then
    return { 0, 'account_disabled', s(available), '0' }
  end
  local prl, phl = num(f[2]), num(f[3])
  if prl > 0 then
    local retry = windowFull(P.rpm, prl)
    if retry then return { 0, 'rate_limit_exceeded', s(available), s(retry), 'RPM', '', headroom() } end
    rl[#rl + 1] = id
  end
  if phl > 0 then
    local pw = redis.call('HMGET', P.wallet, 'held', 'treeheld')
    if not fits(phl - monthSpend(P.p, pw[2]) - num(pw[1])) then
      return { 0, 'monthly_limit_reached', s(available), '0' }
    end
    hl[#hl + 1] = id
  end
end

for _, c in ipairs(counters) do
  local used = num(redis.call('GET', c.key))
  if used >= c.limit or used + c.amount > c.limit then
    return { 0, 'rate_limit_exceeded', s(available), s(c.ms - now % c.ms), c.code, '', headroom() }
  end
end

if not fits(math.min(available - minBalance, available)) then
  return { 0, 'insufficient_quota', s(available), '0' }
end

-- the window is kept only for accounts with a limit: a busy account without one would hold a
-- member per request of the last minute for nothing
if rpmLimit > 0 then
  redis.call('ZADD', A.rpm, s(now), req)
  redis.call('PEXPIRE', A.rpm, '61000')
end
for _, id in ipairs(rl) do
  local key = 'yg:{a:' .. id .. '}:rpm'
  redis.call('ZADD', key, s(now), req)
  redis.call('PEXPIRE', key, '61000')
end
for _, id in ipairs(hl) do
  redis.call('HINCRBY', 'yg:{a:' .. id .. '}:wallet', 'treeheld', s(hold))
end
if floor > hold then floor = hold end
local rk, tk = countWindows(counters, now)
redis.call('HINCRBY', A.wallet, 'held', s(hold))
redis.call('HSET', A.holds, req,
    '{"amount":' .. s(hold) .. ',"floor":' .. s(floor) .. ',"expiresAt":' .. s(now + ttl)
    .. ',"anc":' .. cjson.encode(ARGV[8] or '') .. ',"rl":' .. cjson.encode(table.concat(rl, ','))
    .. ',"hl":' .. cjson.encode(table.concat(hl, ',')) .. ',"est":' .. s(est) .. ',"rk":'
    .. cjson.encode(table.concat(rk, ' ')) .. ',"tk":' .. cjson.encode(table.concat(tk, ' ')) .. '}')
redis.call('ZADD', A.holdexp, s(now + ttl), req)
return { 1, '', s(available - hold), '0', '', hold == asked and '' or s(hold), headroom() }

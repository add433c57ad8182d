-- Yugong billing: helpers shared by every wallet script. Scripts.java prepends this file to each
-- script before SCRIPT LOAD, so each script is one self-contained Lua chunk.
--
-- Money is integer nano-dollars. Stored amounts change only through HINCRBY (64-bit exact);
-- Lua numbers (doubles) are used for comparisons and small sums, exact below 2^53 nanos
-- (about 9,007,199 USD per account). Numbers handed back to Redis go through s(), never
-- through Lua's own number formatting.
--
-- An account's keys all start with "yg:{a:ID}:". Each script receives an account as 8 KEYS in
-- this order: wallet, grants, grant, grantinfo, holds, holdexp, rpm, ledger. Per-request and
-- per-period keys (settled:<req>, abandoned:<req>, month:YYYYMM, day:YYYYMMDD, dates in the
-- billing time zone) are derived from the same prefix, so they share the account's hash slot.

local DAY_MS = 86400000
-- The dollar-brace placeholders are filled from the node's settings when Scripts loads this file (billing/Retention.java)
local SETTLED_MS = ${settledMarkerMs}     -- settled:<req> lives as long as a settle retry can arrive
local ABANDONED_MS = ${abandonedMarkerMs} -- abandoned:<req>: the hold TTL plus the retry window
local MARKER_MS = SETTLED_MS          -- settle.lua's settled:<req> marker
local DAY_TTL_S = 400 * 86400          -- day:YYYYMMDD usage hashes
local MONTH_TTL_S = 800 * 86400        -- month:YYYYMM usage hashes
local MAX_GRANTS = 20                  -- more than this and all grants merge into one
local LEDGER_MAXLEN = ${ledgerEntries} -- the latest N entries per account (YUGONG_LEDGER_ENTRIES)
-- entries past the cap before the oldest are dropped (trimming reads the stream's oldest end)
local LEDGER_SLACK = math.max(1, math.min(1000, math.floor(LEDGER_MAXLEN / 10)))

-- exact decimal string of an integer-valued Lua number (|x| < 2^53)
local function s(x)
  if x == 0 then return '0' end
  return string.format('%.0f', x)
end

local function num(v)
  if not v then return 0 end
  return tonumber(v) or 0
end

-- milliseconds since the epoch on Redis's own clock
local function clock()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- the account whose 8 keys start at KEYS[o + 1]
local function account(o)
  local w = KEYS[o + 1]
  local p = string.sub(w, 1, #w - 6)  -- strip "wallet"
  return {
    wallet = w, grants = KEYS[o + 2], grant = KEYS[o + 3], grantinfo = KEYS[o + 4],
    holds = KEYS[o + 5], holdexp = KEYS[o + 6], rpm = KEYS[o + 7], ledger = KEYS[o + 8],
    p = p, id = string.match(p, '^yg:{a:(.*)}:$') or p
  }
end

-- Another account's keys, derived from its id. Scripts that reach an account this way (the
-- ancestors of the one they were given, the heir of a deleted one) touch more than one hash slot:
-- they need a standalone or sentinel Redis, like fund.lua.
local function accountOf(id)
  local p = 'yg:{a:' .. id .. '}:'
  return {
    wallet = p .. 'wallet', grants = p .. 'grants', grant = p .. 'grant',
    grantinfo = p .. 'grantinfo', holds = p .. 'holds', holdexp = p .. 'holdexp',
    rpm = p .. 'rpm', ledger = p .. 'ledger', p = p, id = id
  }
end

-- comma-separated ids as a list (empty string: none)
local function ids(csv)
  local out = {}
  if csv then
    for id in string.gmatch(csv, '[^,]+') do out[#out + 1] = id end
  end
  return out
end

-- q, r of a / b for integer-valued 0 <= a < 2^53, 0 < b: exact, whatever the double division did
local function divmod(a, b)
  local q = math.floor(a / b)
  local r = a - q * b
  while r < 0 do q = q - 1; r = r + b end
  while r >= b do q = q + 1; r = r - b end
  return q, r
end

-- x * num / den, rounded down (up when ceil), exact for 0 <= x < 2^53 and num, den <= 10^7
-- (whole numbers): x is split in base 10^7 so no product leaves the doubles' exact range.
local MULDIV_BASE = 10000000
local function muldiv(x, num, den, ceil)
  if x <= 0 then return 0 end
  local xh, xl = divmod(x, MULDIV_BASE)
  local q1, r1 = divmod(xh * num, den)
  local q2, r2 = divmod(r1 * MULDIV_BASE + xl * num, den)
  local out = q1 * MULDIV_BASE + q2
  if ceil and r2 > 0 then out = out + 1 end
  return out
end

-- The billing time zone's UTC offsets (YUGONG_BILLING_TIMEZONE, billing/BillingZone.java): flat
-- { from-ms, offset-ms, ... } pairs, ascending, the first from 0. Day and month keys, the monthly
-- HardLimit and the subtree's month follow this zone; the RPH/RPD/TPx windows stay UTC.
local ZONE = { ${zoneOffsets} }

-- the zone's offset at a millisecond instant
local function zoneOffset(ms)
  local off = ZONE[2]
  for i = 3, #ZONE, 2 do
    if ms < ZONE[i] then break end
    off = ZONE[i + 1]
  end
  return off
end

-- civil date, in the billing time zone, of a millisecond instant (H. Hinnant's days-to-civil)
local function ymd(ms)
  local z = math.floor((ms + zoneOffset(ms)) / DAY_MS) + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524)
      - math.floor(doe / 146096)) / 365)
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m
  if mp < 10 then m = mp + 3 else m = mp - 9 end
  if m <= 2 then y = y + 1 end
  return y, m, d
end

local function monthKey(A, now)
  local y, m = ymd(now)
  return A.p .. string.format('month:%04d%02d', y, m)
end

local function dayKey(A, now)
  local y, m, d = ymd(now)
  return A.p .. string.format('day:%04d%02d%02d', y, m, d)
end

local function balance(A)
  return num(redis.call('HGET', A.wallet, 'balance'))
end

-- Ledger stream fields, always all of them in this order (streams store a repeated field list
-- once). Must match LedgerEntry.FIELDS in Java.
local LEDGER_FIELDS = { 'requestId', 'accountId', 'kind', 'model', 'promptTokens', 'cachedTokens',
  'completionTokens', 'cost', 'upstreamKeyId', 'node', 'latencyMs', 'status', 'at', 'amount',
  'uncovered', 'balanceAfter', 'note' }
local LEDGER_NUMERIC = { promptTokens = true, cachedTokens = true, completionTokens = true,
  cost = true, latencyMs = true, status = true, at = true, amount = true, uncovered = true,
  balanceAfter = true }

-- The ledger keeps at least the latest LEDGER_MAXLEN entries and at most LEDGER_SLACK more
-- (plus, for a moment, the batch just added). A batch entry of the write-behind flush (its first
-- field is k) counts as its k charges, any other stream entry as one; the wallet's ledgerLen
-- keeps the count (absent: a stream of single entries, XLEN). Past the slack, whole stream
-- entries go from the oldest end while what is left still holds the cap. `added` ledger entries
-- were just appended in `entries` stream entries.
local function trimLedger(A, added, entries)
  local n = redis.call('HGET', A.wallet, 'ledgerLen')
  if n then
    n = tonumber(n) + added
  else
    n = redis.call('XLEN', A.ledger) - entries + added
  end
  if n > LEDGER_MAXLEN + LEDGER_SLACK then
    local from, keep, counted = '-', nil, 0
    while true do
      local e = redis.call('XRANGE', A.ledger, from, '+', 'COUNT', 1)[1]
      if not e then break end
      local k = 1
      if e[2][1] == 'k' then k = tonumber(e[2][2]) end
      if n - counted - k < LEDGER_MAXLEN then keep = e[1]; break end
      counted = counted + k
      from = '(' .. e[1]
    end
    if keep then
      redis.call('XTRIM', A.ledger, 'MINID', keep)
      n = n - counted
    else
      n = counted  -- the count had drifted from the stream: it is what was just counted
    end
  end
  redis.call('HSET', A.wallet, 'ledgerLen', s(n))
end

-- Appends one entry; call it after the balance change it records, or give its balanceAfter.
local function ledger(A, e, now)
  e.accountId = A.id
  e.at = now
  if e.balanceAfter == nil then
    e.balanceAfter = redis.call('HGET', A.wallet, 'balance') or '0'
  end
  local args = { 'XADD', A.ledger, '*' }
  for _, f in ipairs(LEDGER_FIELDS) do
    local v = e[f]
    if v == nil or v == false then
      if LEDGER_NUMERIC[f] then v = '0' else v = '' end
    elseif type(v) == 'number' then
      v = s(v)
    end
    args[#args + 1] = f
    args[#args + 1] = v
  end
  redis.call(unpack(args))
  trimLedger(A, 1, 1)
end

local function dropGrant(A, g)
  redis.call('ZREM', A.grants, g)
  redis.call('HDEL', A.grant, g)
  redis.call('HDEL', A.grantinfo, g)
end

-- Removes grants whose expiresAt <= now; their remaining balance leaves the wallet, each with
-- an "expired" ledger entry.
local function expireGrants(A, now)
  local gone = redis.call('ZRANGEBYSCORE', A.grants, '-inf', s(now))
  for _, g in ipairs(gone) do
    local rem = num(redis.call('HGET', A.grant, g))
    dropGrant(A, g)
    if rem ~= 0 then
      redis.call('HINCRBY', A.wallet, 'balance', s(-rem))
      ledger(A, { kind = 'expired', cost = rem, amount = -rem, note = 'grant ' .. g }, now)
    end
  end
end

-- Takes up to `amount` from the grants, soonest expiry first; returns what was taken. The
-- wallet balance is the sum of grant balances, so this takes all of it when amount <= balance.
local function consume(A, amount)
  local left = amount
  if left <= 0 then return 0 end
  local gs = redis.call('ZRANGE', A.grants, 0, -1)
  for _, g in ipairs(gs) do
    local b = num(redis.call('HGET', A.grant, g))
    local take = math.min(b, left)
    if take > 0 then
      redis.call('HINCRBY', A.wallet, 'balance', s(-take))
      left = left - take
    end
    if b - take <= 0 then
      dropGrant(A, g)
    else
      redis.call('HINCRBY', A.grant, g, s(-take))
    end
    if left <= 0 then break end
  end
  return amount - left
end

local function grantJson(amount, grantedAt, expiresAt, source)
  return '{"amount":' .. s(amount) .. ',"grantedAt":' .. s(grantedAt) .. ',"expiresAt":'
      .. s(expiresAt) .. ',"source":' .. cjson.encode(source) .. '}'
end

local function newGrantId(A)
  return string.format('g%012d', redis.call('HINCRBY', A.wallet, 'gseq', 1))
end

-- All grants become one: the total balance, the latest expiry. Ledger "merged", amount 0.
local function mergeGrants(A, now)
  local gs = redis.call('ZRANGE', A.grants, 0, -1, 'WITHSCORES')
  local total, latest, n = 0, 0, 0
  for i = 1, #gs, 2 do
    total = total + num(redis.call('HGET', A.grant, gs[i]))
    latest = math.max(latest, tonumber(gs[i + 1]))
    n = n + 1
  end
  redis.call('DEL', A.grants, A.grant, A.grantinfo)
  local g = newGrantId(A)
  redis.call('ZADD', A.grants, s(latest), g)
  redis.call('HSET', A.grant, g, s(total))
  redis.call('HSET', A.grantinfo, g, grantJson(total, now, latest, 'merged'))
  ledger(A, { kind = 'merged', note = n .. ' grants merged into ' .. g }, now)
end

-- Credits a new grant and appends entry `e` (its amount is set here); merges past MAX_GRANTS.
local function addGrant(A, amount, expiresAt, source, e, now)
  if amount <= 0 then return nil end
  local g = newGrantId(A)
  redis.call('ZADD', A.grants, s(expiresAt), g)
  redis.call('HSET', A.grant, g, s(amount))
  redis.call('HSET', A.grantinfo, g, grantJson(amount, now, expiresAt, source))
  redis.call('HINCRBY', A.wallet, 'balance', s(amount))
  e.amount = amount
  if e.cost == nil then e.cost = amount end
  if e.note == nil then e.note = 'grant ' .. g else e.note = e.note .. ' (grant ' .. g .. ')' end
  ledger(A, e, now)
  if redis.call('ZCARD', A.grants) > MAX_GRANTS then
    mergeGrants(A, now)
  end
  return g
end

-- The latest expiry among the account's grants, or now + 365 days when it has none.
local function latestExpiry(A, now)
  local last = redis.call('ZRANGE', A.grants, -1, -1, 'WITHSCORES')
  if #last == 2 then return tonumber(last[2]) end
  return now + 365 * DAY_MS
end

-- Adds settled usage to this month's and today's counters.
local function usage(A, now, model, cost, requests, prompt, cached, completion)
  local mk, dk = monthKey(A, now), dayKey(A, now)
  redis.call('HINCRBY', mk, 'cost', s(cost))
  redis.call('HINCRBY', mk, 'requests', s(requests))
  redis.call('HINCRBY', mk, 'prompt_tokens', s(prompt))
  redis.call('HINCRBY', mk, 'cached_tokens', s(cached))
  redis.call('HINCRBY', mk, 'completion_tokens', s(completion))
  redis.call('HINCRBY', mk, 'cost:' .. model, s(cost))
  redis.call('HINCRBY', mk, 'requests:' .. model, s(requests))
  redis.call('EXPIRE', mk, MONTH_TTL_S)
  redis.call('HINCRBY', dk, 'cost:' .. model, s(cost))
  redis.call('HINCRBY', dk, 'requests:' .. model, s(requests))
  if s(prompt) ~= 0 then redis.call('HINCRBY', dk, 'prompt:' .. model, s(prompt)) end
  if s(cached) ~= 0 then redis.call('HINCRBY', dk, 'cached:' .. model, s(cached)) end
  if s(completion) ~= 0 then redis.call('HINCRBY', dk, 'completion:' .. model, s(completion)) end
  redis.call('EXPIRE', dk, DAY_TTL_S)
end

-- Removes one hold (if present) and gives back its held amount; returns the decoded hold or nil.
local function takeHold(A, req)
  local h = redis.call('HGET', A.holds, req)
  redis.call('ZREM', A.holdexp, req)
  if not h then return nil end
  redis.call('HDEL', A.holds, req)
  local j = cjson.decode(h)
  redis.call('HINCRBY', A.wallet, 'held', s(-j.amount))
  return j
end

-- The ancestors a hold counted against (ids), as stored with the hold.
local function holdLimits(j, field)
  if type(j[field]) == 'string' then return ids(j[field]) end
  return {}
end

-- ----- fixed-window limits (RPH, RPD, TPM, TPH, TPD, per-model RPM and TPM) -----

local WINDOW_MS = { m = 60000, h = 3600000, d = DAY_MS }

-- One model's rpm or tpm from a stored ModelLimits JSON object ('' or unreadable: 0).
local function modelLimit(json, model, field)
  if not json or json == '' or model == '' then return 0 end
  local ok, t = pcall(cjson.decode, json)
  if not ok or type(t) ~= 'table' or type(t[model]) ~= 'table' then return 0 end
  return num(t[model][field])
end

-- Appends to `out` (a new list when nil) the counters an account's limits ask this request to
-- pass: { key, limit, amount, ms (window length), code, tokens (bool) }. `l` is
-- { rph, rpd, tpm, tph, tpd, modelRpm, modelTpm } (strings or numbers, 0 = none).
local function windowLimits(prefix, l, model, est, now, out)
  out = out or {}
  local function want(what, win, limit, amount, code, tokens)
    limit = num(limit)
    if limit <= 0 then return end
    local ms = WINDOW_MS[win]
    out[#out + 1] = { key = prefix .. 'lim:' .. what .. ':' .. s(math.floor(now / ms)),
      limit = limit, amount = amount, ms = ms, code = code, tokens = tokens }
  end
  want('rh', 'h', l[1], 1, 'RPH', false)
  want('rd', 'd', l[2], 1, 'RPD', false)
  want('tm', 'm', l[3], est, 'TPM', true)
  want('th', 'h', l[4], est, 'TPH', true)
  want('td', 'd', l[5], est, 'TPD', true)
  if model ~= '' then
    want('mr:' .. model, 'm', l[6], 1, 'model_RPM', false)
    want('mt:' .. model, 'm', l[7], est, 'model_TPM', true)
  end
  return out
end

-- Counts an admitted request in its counters; returns the request and token counter keys.
local function countWindows(counters, now)
  local rk, tk = {}, {}
  for _, c in ipairs(counters) do
    if c.amount > 0 then
      redis.call('INCRBY', c.key, s(c.amount))
      redis.call('PEXPIRE', c.key, s(c.ms - now % c.ms + 1000))
    end
    if c.tokens then tk[#tk + 1] = c.key else rk[#rk + 1] = c.key end
  end
  return rk, tk
end

local function holdKeys(j, field)
  local out = {}
  if type(j[field]) == 'string' then
    for k in string.gmatch(j[field], '[^ ]+') do out[#out + 1] = k end
  end
  return out
end

-- Adds `delta` tokens to the counters of a hold's token windows that have not ended yet.
local function adjustTokens(j, delta)
  if delta == 0 then return end
  for _, k in ipairs(holdKeys(j, 'tk')) do
    if redis.call('EXISTS', k) == 1 then redis.call('INCRBY', k, s(delta)) end
  end
end

-- Gives back what a hold counted against its limited ancestors: their held-for-the-subtree sums,
-- and (when the request never went upstream) their request windows.
local function releaseLimits(j, req, slots)
  for _, id in ipairs(holdLimits(j, 'hl')) do
    redis.call('HINCRBY', 'yg:{a:' .. id .. '}:wallet', 'treeheld', s(-j.amount))
  end
  if slots then
    for _, id in ipairs(holdLimits(j, 'rl')) do
      redis.call('ZREM', 'yg:{a:' .. id .. '}:rpm', req)
    end
    for _, k in ipairs(holdKeys(j, 'rk')) do
      if redis.call('EXISTS', k) == 1 then redis.call('DECR', k) end
    end
    adjustTokens(j, -num(j.est))
  end
end

-- Adds a settled charge to the month's subtree spend of every ancestor (ids, root excluded).
local function treeUsage(ancestors, now, cost)
  if cost <= 0 then return end
  local y, m = ymd(now)
  local suffix = string.format('month:%04d%02d', y, m)
  for _, id in ipairs(ancestors) do
    local mk = 'yg:{a:' .. id .. '}:' .. suffix
    redis.call('HINCRBY', mk, 'tree', s(cost))
    redis.call('EXPIRE', mk, MONTH_TTL_S)
  end
end

-- Holds past their expiry belong to requests whose node died. Each is settled at its floor
-- (the caller's prompt estimate): a "charge" entry, status 0, note "abandoned", and an
-- abandoned:<req> marker so a late settle charges only the difference.
local function abandonHolds(A, now)
  local dead = redis.call('ZRANGEBYSCORE', A.holdexp, '-inf', s(now))
  for _, req in ipairs(dead) do
    local j = takeHold(A, req)
    if j then releaseLimits(j, req, false) end
    -- a node's slice whose lease ran out goes back whole: what the node spent of it was flushed
    if j and not j.slice and redis.call('EXISTS', A.p .. 'settled:' .. req) == 0 then
      local floor = j.floor
      local taken = consume(A, math.min(floor, balance(A)))
      usage(A, now, 'unknown', taken, 1, 0, 0, 0)
      treeUsage(holdLimits(j, 'anc'), now, taken)
      ledger(A, { requestId = req, kind = 'charge', model = 'unknown', cost = floor,
        amount = -taken, uncovered = floor - taken, status = 0, note = 'abandoned' }, now)
      redis.call('SET', A.p .. 'abandoned:' .. req, s(floor), 'PX', s(ABANDONED_MS))
    end
  end
end

-- The hold record of a node's credit slice (slice.lua, flush.lua): no floor, no limits.
local function sliceJson(amount, expiresAt)
  return '{"amount":' .. s(amount) .. ',"floor":0,"expiresAt":' .. s(expiresAt)
      .. ',"slice":1,"anc":"","rl":"","hl":""}'
end

-- ===== script body follows =====

-- A deleted account's money goes to its heir (the parent it was deleted from) as soon as no
-- request of it is in flight: all of it that is not held, converted at the rates it was deleted
-- at (rounded down). When the heir was deleted too, on up the chain. Returns what the first
-- heir was credited.
local function sweep(A, now)
  local first = nil
  for _ = 1, 16 do
    local w = redis.call('HMGET', A.wallet, 'deleted', 'heir', 'heirnum', 'heirden', 'balance', 'held')
    if w[1] ~= '1' or not w[2] then break end
    expireGrants(A, now)
    local avail = balance(A) - num(w[6])
    if avail <= 0 then
      if num(w[6]) <= 0 then redis.call('SREM', 'yg:deleting', A.id) end
      break
    end
    local H = accountOf(w[2])
    -- the heir's Rates may have changed since: convert at the one its wallet has now
    local heirRate = num(redis.call('HGET', H.wallet, 'rate') or w[3])
    local credit = muldiv(avail, heirRate, num(w[4]), false)
    local taken = consume(A, avail)
    ledger(A, { kind = 'transfer_out', cost = taken, amount = -taken, note = 'refund to ' .. H.id },
        now)
    expireGrants(H, now)
    addGrant(H, credit, latestExpiry(H, now), 'refund:' .. A.id,
        { kind = 'refund', note = 'from deleted ' .. A.id }, now)
    if num(redis.call('HGET', A.wallet, 'held')) <= 0 then redis.call('SREM', 'yg:deleting', A.id) end
    if first == nil then first = credit end
    A = H
  end
  return first or 0
end

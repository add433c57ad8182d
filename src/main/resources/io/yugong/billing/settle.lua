-- settle: charge a finished request and release its hold (the hot path's second round trip).
-- KEYS: the account's 8 keys. ARGV: requestId, charge, model, promptTokens, cachedTokens,
--   completionTokens, upstreamKeyId, node, latencyMs, status, ancestors (as for reserve),
--   pricedAtRate (as for reserve: a charge priced at a Rates the account has since left is
--   converted to its wallet's units).
-- The charge is added to the month's subtree spend of every ancestor. A deleted account's
-- remaining money goes to its heir once its last request settles (sweep).
-- Returns { duplicate (1|0), charged, balanceAfter, uncovered }.
local A = account(0)
local req, charge, model = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local marker = A.p .. 'settled:' .. req

local done = redis.call('GET', marker)
if done then
  return { 1, done, redis.call('HGET', A.wallet, 'balance') or '0', '0' }
end

local now = clock()
expireGrants(A, now)
local j = takeHold(A, req)
local ancestors = ids(ARGV[11])
if j then
  releaseLimits(j, req, false)
  -- token windows: the estimate the request was admitted by becomes the tokens it used
  adjustTokens(j, num(ARGV[4]) + num(ARGV[6]) - num(j.est))
  ancestors = holdLimits(j, 'anc')
end
abandonHolds(A, now)
local rate = redis.call('HGET', A.wallet, 'rate')
if ARGV[12] and ARGV[12] ~= '' and rate and rate ~= ARGV[12] then
  charge = muldiv(charge, tonumber(rate), tonumber(ARGV[12]), true)
end

local due, requests, note = charge, 1, ''
local abandonedKey = A.p .. 'abandoned:' .. req
local prior = redis.call('GET', abandonedKey)
if prior then
  -- its hold expired and was already charged its floor: charge only the rest, count it once
  due = math.max(0, charge - tonumber(prior))
  requests = 0
  note = 'rest of ' .. ARGV[2] .. ' after abandoned floor ' .. prior
  redis.call('DEL', abandonedKey)
end

local taken = consume(A, math.min(due, balance(A)))
if due > taken and note == '' then note = 'balance short' end
usage(A, now, model, taken, requests, num(ARGV[4]), num(ARGV[5]), num(ARGV[6]))
treeUsage(ancestors, now, taken)
ledger(A, { requestId = req, kind = 'charge', model = model, promptTokens = ARGV[4],
  cachedTokens = ARGV[5], completionTokens = ARGV[6], cost = due, upstreamKeyId = ARGV[7],
  node = ARGV[8], latencyMs = ARGV[9], status = ARGV[10], amount = -taken,
  uncovered = due - taken, note = note }, now)
redis.call('SET', marker, s(taken), 'PX', s(MARKER_MS))
sweep(A, now)
return { 0, s(taken), redis.call('HGET', A.wallet, 'balance') or '0', s(due - taken) }

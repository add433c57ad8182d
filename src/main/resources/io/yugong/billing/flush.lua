-- flush: one write-behind batch of charges a node settled in memory against its slice of the
-- account (docs/billing.md, "Write-behind settlement").
-- KEYS: the account's 8 keys. ARGV: node, run (the node process's id), seq (the batch's number,
--   1, 2, ... per account and run), rate (Rates x 10^4 the charges were priced at, '' =
--   unchecked), then per charge 7 fields: requestId, charge, model, promptTokens, cachedTokens,
--   completionTokens, and 'upstreamKeyId<TAB>latencyMs<TAB>status' (no tab in any of them).
-- Idempotent per (run, seq): a batch at or below the last one applied changes nothing. Each
-- charge is taken from the balance (at most the balance; the rest is recorded uncovered), gets a
-- ledger entry (note 'slice') and counts in the month's and day's usage; the node's slice shrinks
-- by what was taken, so a slice whose lease expires returns only what was not spent.
-- Returns { duplicate (1|0), taken }.
local A = account(0)
local node, run, seq = ARGV[1], ARGV[2], tonumber(ARGV[3])
local seen = A.p .. 'flushed'
if seq <= num(redis.call('HGET', seen, run)) then
  return { 1, '0' }
end
local now = clock()
expireGrants(A, now)
local rate = redis.call('HGET', A.wallet, 'rate')
local convert = ARGV[4] ~= '' and rate and rate ~= ARGV[4]

-- Each charge takes what the balance still covers, in order; the balance is read once and the
-- sum is taken from the grants once (consume takes all of it: it is at most the balance).
local total = 0
local at = s(now)
local left = balance(A)
local byModel = {}
for i = 5, #ARGV - 6, 7 do
  local charge = tonumber(ARGV[i + 1])
  if convert then charge = muldiv(charge, tonumber(rate), tonumber(ARGV[4]), true) end
  local taken = math.max(0, math.min(charge, left))
  left = left - taken
  total = total + taken
  local model = ARGV[i + 2]
  local u = byModel[model]
  if not u then u = { 0, 0, 0, 0, 0 }; byModel[model] = u end
  u[1] = u[1] + taken
  u[2] = u[2] + 1
  u[3] = u[3] + num(ARGV[i + 3])
  u[4] = u[4] + num(ARGV[i + 4])
  u[5] = u[5] + num(ARGV[i + 5])
  -- the compact ledger entry: this loop is the script's cost per request (the stream is trimmed
  -- once, below: MAXLEN on each XADD cost a third of it)
  redis.call('XADD', A.ledger, '*', 'c', ARGV[i] .. '\t' .. model
    .. '\t' .. ARGV[i + 3] .. '\t' .. ARGV[i + 4] .. '\t' .. ARGV[i + 5] .. '\t'
    .. (convert and s(charge) or ARGV[i + 1]) .. '\t' .. ARGV[i + 6] .. '\t' .. node .. '\t' .. at
    .. '\t' .. (taken == 0 and '0' or s(-taken)) .. '\t' .. (charge == taken and '0' or s(charge - taken))
    .. '\t' .. s(left))
end
redis.call('XTRIM', A.ledger, 'MAXLEN', '~', LEDGER_MAXLEN)
consume(A, total)
for model, u in pairs(byModel) do
  usage(A, now, model, u[1], u[2], u[3], u[4], u[5])
end

-- what was taken was part of the slice's hold
local req = 'slice:' .. node
local h = redis.call('HGET', A.holds, req)
if h and total > 0 then
  local j = cjson.decode(h)
  local cut = math.min(total, j.amount)
  redis.call('HINCRBY', A.wallet, 'held', s(-cut))
  redis.call('HSET', A.holds, req, sliceJson(j.amount - cut, j.expiresAt))
end
redis.call('HSET', seen, run, s(seq))
redis.call('PEXPIRE', seen, s(MARKER_MS))
sweep(A, now)
return { 0, s(total) }

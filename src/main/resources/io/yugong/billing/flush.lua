-- flush: one write-behind batch of charges a node settled in memory against its slice of the
-- account (docs/billing.md, "Write-behind settlement").
-- KEYS: the account's 8 keys. ARGV: node, run (the node process's id), seq (the batch's number,
--   1, 2, ... per account and run), rate (Rates x 10^4 the charges were priced at, '' =
--   unchecked), then the batch in one of two forms:
--   'b' (whole): count, sum of the charges, the number of models M, M times (model, cost,
--     requests, promptTokens, cachedTokens, completionTokens), and the charges' lines joined by
--     newlines, each 'requestId<TAB>model<TAB>prompt<TAB>cached<TAB>completion<TAB>charge<TAB>
--     upstreamKeyId<TAB>latencyMs<TAB>status' (LedgerEntry.BATCH). Applied only when the balance
--     covers the whole sum at the rate it was priced at; else nothing changes and the script
--     returns { 2, '0' }: the node sends the same batch again charge by charge.
--   'c' (charge by charge): per charge 7 fields: requestId, charge, model, promptTokens,
--     cachedTokens, completionTokens, and 'upstreamKeyId<TAB>latencyMs<TAB>status'.
-- Idempotent per (run, seq): a batch at or below the last one applied changes nothing. Each
-- charge is taken from the balance (at most the balance; the rest is recorded uncovered), is in
-- the ledger (note 'slice') and counts in the month's and day's usage; the node's slice shrinks
-- by what was taken, so a slice whose lease expires returns only what was not spent. A whole
-- batch is one ledger stream entry (fields k, n, at, l, b: its count, node, time, the balance
-- before it, its lines); charge by charge, one compact entry each (field c).
-- Returns { duplicate (1|0|2: send it charge by charge), taken }.
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

local total = 0
local at = s(now)
local left = balance(A)
local byModel = {}
local mode = ARGV[5]
if mode == 'b' then
  -- the whole batch in one entry: every charge is covered, so each takes all it asks
  local count, sum, models = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
  if convert or sum > left then
    return { 2, '0' }
  end
  local i = 9
  for _ = 1, models do
    byModel[ARGV[i]] = { tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]),
      tonumber(ARGV[i + 4]), tonumber(ARGV[i + 5]) }
    i = i + 6
  end
  redis.call('XADD', A.ledger, '*', 'k', ARGV[6], 'n', node, 'at', at, 'l', s(left), 'b', ARGV[i])
  total = sum
  trimLedger(A, count, 1)
else
  -- Each charge takes what the balance still covers, in order; the balance is read once and the
  -- sum is taken from the grants once (consume takes all of it: it is at most the balance).
  for i = 6, #ARGV - 6, 7 do
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
    redis.call('XADD', A.ledger, '*', 'c', ARGV[i] .. '\t' .. model
      .. '\t' .. ARGV[i + 3] .. '\t' .. ARGV[i + 4] .. '\t' .. ARGV[i + 5] .. '\t'
      .. (convert and s(charge) or ARGV[i + 1]) .. '\t' .. ARGV[i + 6] .. '\t' .. node .. '\t' .. at
      .. '\t' .. (taken == 0 and '0' or s(-taken)) .. '\t' .. (charge == taken and '0' or s(charge - taken))
      .. '\t' .. s(left))
  end
  trimLedger(A, (#ARGV - 5) / 7, (#ARGV - 5) / 7)
end
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

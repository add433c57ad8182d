-- slice: a node's credit slice of an account, a hold `slice:<node>` in the account's holds that the
-- node spends in memory (docs/billing.md, "Credit slices").
-- KEYS: the account's 8 keys. ARGV: op ('take' | 'return'), node, want (size the slice should
--   grow to), least (smallest grant worth taking), leaseMs, minBalance, rate (the Rates x 10^4
--   the node prices at; '' = unchecked).
-- take: renews the lease and grows the slice towards `want` by at most a quarter of what is
--   available above minBalance, so other nodes can have slices too. A grant below `least` is not
--   made; with no slice yet that is a refusal (the account stays on exact holds). A disabled or
--   deleted wallet, or one at another Rates, gets no grant and no renewal.
-- return: gives the whole slice back (what the node has flushed already left it in flush.lua).
-- Returns { slice size after, available after, granted now, refusal ('' when none) }.
local A = account(0)
local op, node = ARGV[1], ARGV[2]
local want, least, lease, minBalance = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]),
    tonumber(ARGV[6])
local req = 'slice:' .. node
local now = clock()
expireGrants(A, now)
abandonHolds(A, now)

local function available()
  local w = redis.call('HMGET', A.wallet, 'balance', 'held')
  return num(w[1]) - num(w[2])
end

local h = redis.call('HGET', A.holds, req)
local size = 0
if h then size = cjson.decode(h).amount end

if op == 'return' then
  if h then takeHold(A, req) end
  sweep(A, now)
  return { '0', s(available()), s(-size), '' }
end

local w = redis.call('HMGET', A.wallet, 'disabled', 'deleted', 'rate')
if w[1] == '1' or w[2] == '1' then
  return { s(size), s(available()), '0', 'account_disabled' }
end
if ARGV[7] and ARGV[7] ~= '' and w[3] and w[3] ~= ARGV[7] then
  return { s(size), s(available()), '0', 'rates_changed' }
end

local avail = available()
local grant = 0
if want > size then
  grant = math.min(want - size, math.floor(math.max(0, avail - minBalance) / 4))
  if grant < least then grant = 0 end
end
if size == 0 and grant == 0 then
  return { '0', s(avail), '0', 'too_small' }
end
size = size + grant
redis.call('HINCRBY', A.wallet, 'held', s(grant))
redis.call('HSET', A.holds, req, sliceJson(size, now + lease))
redis.call('ZADD', A.holdexp, s(now + lease), req)
return { s(size), s(avail - grant), s(grant), '' }

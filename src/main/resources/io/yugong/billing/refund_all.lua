-- refund_all: on a child's deletion, its whole available balance goes back to the parent and
-- the child is disabled (reserve refuses "account_disabled"). Held money stays to cover
-- requests in flight.
-- CROSS-SLOT like fund.lua. KEYS: the parent's 8 keys, then the child's 8 keys.
-- ARGV: expectedAvailable (-1 = just tell me), parentCredit (the conversion of expectedAvailable,
--   done exactly by the caller).
-- Returns { 0, available } when expectedAvailable does not match the child's available balance
-- (nothing changed but grant expiry: convert that and call again), or { 1, parentCredited }.
local P, C = account(0), account(8)
local expected, credit = tonumber(ARGV[1]), tonumber(ARGV[2])
local now = clock()
expireGrants(P, now)
expireGrants(C, now)
local w = redis.call('HMGET', C.wallet, 'balance', 'held')
local avail = math.max(0, num(w[1]) - num(w[2]))
if expected ~= avail then return { 0, s(avail) } end

local taken = consume(C, avail)
if taken > 0 then
  ledger(C, { kind = 'transfer_out', cost = taken, amount = -taken, note = 'refund to ' .. P.id },
      now)
end
addGrant(P, credit, latestExpiry(P, now), 'refund:' .. C.id,
    { kind = 'refund', note = 'from deleted ' .. C.id }, now)
redis.call('HSET', C.wallet, 'disabled', '1')
if credit > 0 then return { 1, s(credit) } end
return { 1, '0' }

-- fund: move money between a parent and a child account, both sides in one script.
-- CROSS-SLOT: the keys of two accounts (two hash tags). Works on standalone and sentinel Redis;
-- on Redis Cluster it fails with CROSSSLOT unless both account ids hash to the same slot.
-- KEYS: the parent's 8 keys, then the child's 8 keys.
-- ARGV: direction ('give' | 'take'), parentAmount, childAmount, ttlMs (give only),
--   parentRate, childRate (each Rates x 10^4, as the caller converted at; '' = unchecked).
--   give: debit the parent parentAmount, credit the child a grant of childAmount (ttlMs).
--   take: debit the child childAmount (soonest-expiring grants first), credit the parent a grant
--         of parentAmount expiring at the parent's latest grant expiry, or in 365 days.
-- Returns { 1, parentDebited, childCredited } or { 0, availableOfTheSideShort } (no change
-- beyond grant expiry), { 2 } when either account is deleted or being deleted, { 3 } when a
-- wallet's Rates is no longer the one converted at (the caller reloads and tries again).
local P, C = account(0), account(8)
local dir = ARGV[1]
local parentAmount, childAmount, ttl = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local now = clock()
local pw = redis.call('HMGET', P.wallet, 'deleted', 'rate')
local cw = redis.call('HMGET', C.wallet, 'deleted', 'rate')
if pw[1] == '1' or cw[1] == '1' then return { 2 } end
if (ARGV[5] and ARGV[5] ~= '' and pw[2] and pw[2] ~= ARGV[5])
    or (ARGV[6] and ARGV[6] ~= '' and cw[2] and cw[2] ~= ARGV[6]) then
  return { 3 }
end
expireGrants(P, now)
expireGrants(C, now)

local function available(A)
  local w = redis.call('HMGET', A.wallet, 'balance', 'held')
  return num(w[1]) - num(w[2])
end

if dir == 'give' then
  local avail = available(P)
  if avail < parentAmount then return { 0, s(avail) } end
  local taken = consume(P, parentAmount)
  ledger(P, { kind = 'transfer_out', cost = taken, amount = -taken, note = 'to ' .. C.id }, now)
  addGrant(C, childAmount, now + ttl, 'fund:' .. P.id,
      { kind = 'transfer_in', note = 'from ' .. P.id }, now)
  return { 1, s(taken), s(childAmount) }
end

local avail = available(C)
if avail < childAmount then return { 0, s(avail) } end
local taken = consume(C, childAmount)
ledger(C, { kind = 'transfer_out', cost = taken, amount = -taken, note = 'back to ' .. P.id }, now)
addGrant(P, parentAmount, latestExpiry(P, now), 'return:' .. C.id,
    { kind = 'transfer_in', note = 'back from ' .. C.id }, now)
return { 1, s(-parentAmount), s(-taken) }

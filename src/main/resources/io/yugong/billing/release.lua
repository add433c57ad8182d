-- release: drop a hold whose request never went upstream. No charge, no ledger entry; the
-- request's rpm slot and its request and token window counts are given back too.
-- KEYS: the account's 8 keys. ARGV: requestId. Returns 1 if a hold was released, else 0.
-- The hold's ancestors get their request-window slots and subtree holds back; a deleted
-- account's money goes to its heir once nothing of it is held (sweep).
local A = account(0)
local req = ARGV[1]
local now = clock()
expireGrants(A, now)
local j = takeHold(A, req)
redis.call('ZREM', A.rpm, req)
if j then releaseLimits(j, req, true) end
sweep(A, now)
if j then return 1 end
return 0

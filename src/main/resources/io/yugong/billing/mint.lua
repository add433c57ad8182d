-- mint: a root grant from nowhere (ledger "minted").
-- KEYS: the account's 8 keys. ARGV: amount (> 0), ttlMs, note.
-- Returns the balance after, as a decimal string.
local A = account(0)
local amount, ttl = tonumber(ARGV[1]), tonumber(ARGV[2])
local now = clock()
expireGrants(A, now)
addGrant(A, amount, now + ttl, 'mint', { kind = 'minted', note = ARGV[3] }, now)
return redis.call('HGET', A.wallet, 'balance') or '0'

-- delete: the money side of deleting a child account, atomic with the check that it has no
-- children of its own (so a child created under it at the same moment and this delete cannot
-- both succeed: attach refuses a parent whose record says deleted).
-- CROSS-SLOT like fund.lua. KEYS: the parent's 8 keys, then the child's 8 keys.
-- ARGV: parentRate, childRate (each Rates x 10^4): the child's money is worth
--   amount * parentRate / childRate of the parent's.
-- The child's record is marked deleted, its wallet disabled and deleted with the parent as its
-- heir. Everything it has that is not held goes to the parent now (rounded down); what its
-- requests in flight do not spend goes when they settle or expire (sweep, and the node's
-- periodic tidy of `yg:deleting`).
-- Returns { 1, parentCredited } or { 0, 'has_children' | 'gone' } (nothing changed).
local P, C = account(0), account(8)
local now = clock()
if redis.call('SCARD', C.p .. 'children') > 0 then return { 0, 'has_children' } end
local st = redis.call('HGET', C.p .. 'account', 'status')
if not st or st == 'deleted' then return { 0, 'gone' } end
redis.call('HSET', C.p .. 'account', 'status', 'deleted')
redis.call('HSET', C.wallet, 'disabled', '1', 'deleted', '1', 'heir', P.id, 'heirnum', ARGV[1],
    'heirden', ARGV[2])
redis.call('SADD', 'yg:deleting', C.id)
expireGrants(C, now)
local credited = sweep(C, now)
if num(redis.call('HGET', C.wallet, 'held')) <= 0 then redis.call('SREM', 'yg:deleting', C.id) end
return { 1, s(credited) }

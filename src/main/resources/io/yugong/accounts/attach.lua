-- attach: write a new account and hang it under its parent, atomically with the checks that the
-- parent exists, is not deleted, and has room for one more child. delete.lua (billing) marks an
-- account deleted atomically with its check for children, so a child attached here and the
-- deletion of its parent cannot both succeed.
-- KEYS: parent's record, parent's children set, child's record, the key-hash index, child's wallet.
-- ARGV: child id, maxChildren (0 = no cap), keyHash, walletRate, then the record's field/value
--   pairs.
-- Returns 1, or 0 (no such parent / deleted), -1 (too many children), -2 (id taken).
local st = redis.call('HGET', KEYS[1], 'status')
if not st or st == 'deleted' then return 0 end
local cap = tonumber(ARGV[2])
if cap > 0 and redis.call('SCARD', KEYS[2]) >= cap then return -1 end
if redis.call('EXISTS', KEYS[3]) == 1 then return -2 end
local fields = {}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[3], unpack(fields))
redis.call('HSET', KEYS[4], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[5], 'rate', ARGV[4])
redis.call('SADD', KEYS[2], ARGV[1])
return 1

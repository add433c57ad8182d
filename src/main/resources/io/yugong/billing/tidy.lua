-- tidy: upkeep of a deleted account whose requests were still in flight when it was deleted:
-- expire its grants, charge the floors of holds whose node died, and give its heir what is left
-- once nothing is held. Run by every node every minute for the members of `yg:deleting`.
-- KEYS: the account's 8 keys. ARGV: none. Returns 1 while the account still holds money, else 0.
local A = account(0)
local now = clock()
if redis.call('HGET', A.wallet, 'deleted') ~= '1' then
  redis.call('SREM', 'yg:deleting', A.id)
  return 0
end
expireGrants(A, now)
abandonHolds(A, now)
sweep(A, now)
if num(redis.call('HGET', A.wallet, 'held')) > 0 then return 1 end
redis.call('SREM', 'yg:deleting', A.id)
return 0

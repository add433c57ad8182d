-- view: everything a wallet page shows, after expiring grants.
-- KEYS: the account's 8 keys. ARGV: none.
-- Returns { balance, held, disabled ('1'|''), grants, month, rpmUsed, now } where grants is a
-- flat array { id, balance, infoJson, ... } in expiry order and month is
-- { cost, requests, prompt_tokens, cached_tokens, completion_tokens } of this UTC month.
local A = account(0)
local now = clock()
expireGrants(A, now)
local w = redis.call('HMGET', A.wallet, 'balance', 'held', 'disabled')
local grants = {}
for _, g in ipairs(redis.call('ZRANGE', A.grants, 0, -1)) do
  grants[#grants + 1] = g
  grants[#grants + 1] = redis.call('HGET', A.grant, g) or '0'
  grants[#grants + 1] = redis.call('HGET', A.grantinfo, g) or '{}'
end
local m = redis.call('HMGET', monthKey(A, now), 'cost', 'requests', 'prompt_tokens',
    'cached_tokens', 'completion_tokens')
for i = 1, 5 do m[i] = m[i] or '0' end
local rpm = redis.call('ZCOUNT', A.rpm, '(' .. s(now - 60000), '+inf')
return { w[1] or '0', w[2] or '0', w[3] or '', grants, m, s(rpm), s(now) }

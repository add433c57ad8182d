-- view: everything a wallet page shows, after expiring grants and the holds whose node died (a
-- dead node's credit slice goes back when its lease ends, whether or not the account is used).
-- KEYS: the account's 8 keys. ARGV: none.
-- Returns { balance, held, disabled ('1'|''), grants, month, rpmUsed, now, sliced } where sliced is
-- what the nodes' credit slices hold of `held`, and grants is a
-- flat array { id, balance, infoJson, ... } in expiry order and month is
-- { cost, requests, prompt_tokens, cached_tokens, completion_tokens } of this month (billing time zone).
local A = account(0)
local now = clock()
expireGrants(A, now)
abandonHolds(A, now)
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
local sliced = 0
local cursor = '0'
repeat
  local page = redis.call('HSCAN', A.holds, cursor, 'MATCH', 'slice:*', 'COUNT', 1000)
  cursor = page[1]
  for i = 2, #page[2], 2 do sliced = sliced + num(cjson.decode(page[2][i]).amount) end
until cursor == '0'
return { w[1] or '0', w[2] or '0', w[3] or '', grants, m, s(rpm), s(now), s(sliced) }

-- rescale: an account's Rates changes from old to new, so its money is re-expressed in the new
-- Rates' units and keeps its value in the parent's money (ProxyXAI's rule): every grant, the
-- balance, and every hold in flight (with what it counts against limited ancestors) are
-- multiplied by new/old. Grants round down, holds up: the house never loses.
-- KEYS: the account's 8 keys. ARGV: num, den (new/old as a reduced fraction of whole numbers
--   up to 10^7), newRate, oldRate (each Rates x 10^4).
-- Returns { 1, balanceBefore, balanceAfter } or { 0, walletRate } when the wallet's Rates is not
-- oldRate (changed meanwhile: nothing is done).
local A = account(0)
local n, d = tonumber(ARGV[1]), tonumber(ARGV[2])
local now = clock()
local rate = redis.call('HGET', A.wallet, 'rate')
if rate and rate ~= ARGV[4] then return { 0, rate } end
expireGrants(A, now)
local before = balance(A)
local total = 0
for _, g in ipairs(redis.call('ZRANGE', A.grants, 0, -1)) do
  local b = muldiv(num(redis.call('HGET', A.grant, g)), n, d, false)
  redis.call('HSET', A.grant, g, s(b))
  local info = redis.call('HGET', A.grantinfo, g)
  if info then
    local j = cjson.decode(info)
    redis.call('HSET', A.grantinfo, g, grantJson(muldiv(num(j.amount), n, d, false),
        num(j.grantedAt), num(j.expiresAt), j.source or ''))
  end
  total = total + b
end
local held = 0
local holds = redis.call('HGETALL', A.holds)
for i = 1, #holds, 2 do
  local j = cjson.decode(holds[i + 1])
  local amount = muldiv(num(j.amount), n, d, true)
  for _, id in ipairs(holdLimits(j, 'hl')) do
    redis.call('HINCRBY', 'yg:{a:' .. id .. '}:wallet', 'treeheld', s(amount - num(j.amount)))
  end
  j.amount = amount
  j.floor = muldiv(num(j.floor), n, d, true)
  redis.call('HSET', A.holds, holds[i], '{"amount":' .. s(j.amount) .. ',"floor":' .. s(j.floor)
      .. ',"expiresAt":' .. s(num(j.expiresAt)) .. ',"anc":' .. cjson.encode(j.anc or '')
      .. ',"rl":' .. cjson.encode(j.rl or '') .. ',"hl":' .. cjson.encode(j.hl or '')
      .. (j.slice and ',"slice":1' or '') .. '}')
  held = held + amount
end
redis.call('HSET', A.wallet, 'balance', s(total), 'held', s(held), 'rate', ARGV[3])
ledger(A, { kind = 'rescaled', amount = total - before, cost = 0,
  note = 'Rates ' .. ARGV[4] .. ' -> ' .. ARGV[3] .. ' (x 10^-4)' }, now)
return { 1, s(before), s(total) }

--[[
  One hit against a sliding window, atomically: drop the times that left the window, then accept
  and record this hit if fewer than the limit remain, else say when the oldest one leaves. The key
  expires with its newest hit, so an idle client leaves nothing behind. A key of another type (a
  counter of the fixed windows used before) is replaced.

  Input:
    KEYS[1] the key's sorted set of accepted hit times (score = ms)
    ARGV[1] now, in milliseconds
    ARGV[2] the window's length in milliseconds
    ARGV[3] the limit
    ARGV[4] a member unique to this hit

  Output: {allowed (1|0), hits in the window after this one, ms until the oldest leaves}
]]
local kind = redis.call('TYPE', KEYS[1]).ok
if kind ~= 'zset' and kind ~= 'none' then redis.call('DEL', KEYS[1]) end
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
local allowed = 0
if n < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window)
  n = n + 1
  allowed = 1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {allowed, n, tonumber(oldest[2]) + window - now}

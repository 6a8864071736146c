--[[
  Counts one hit in a fixed window: the first hit opens the window with its expiry; a counter
  found without an expiry (a crash of an older writer, a manual edit) is given one.

  Input:
    KEYS[1] the counter
    ARGV[1] the window's length in milliseconds

  Output: {hits in this window, milliseconds until it ends}
]]
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}

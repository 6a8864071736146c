--[[
  Removes tickets from a queue's sorted set, then forgets the queue once its set is gone, in one
  step so that no add slips in between.

  Input:
    KEYS[1] the queue's sorted set
    KEYS[2] the set of queue ids
    ARGV[1] the queue id
    ARGV[2..] ticket ids

  Output: the number of tickets removed
]]
local removed = redis.call('ZREM', KEYS[1], unpack(ARGV, 2))
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[1]) end
return removed

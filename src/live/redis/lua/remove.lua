--[[
  Removes tickets from a queue's sorted set, then forgets the queue once its set is gone, in one
  step so that no add slips in between. Each removed id is also remembered for a while, so that a
  join's late index add (see add-joined.lua) cannot bring back a ticket that already left waiting.

  Input:
    KEYS[1] the queue's sorted set
    KEYS[2] the set of queue ids
    KEYS[3] the queue's recently removed ids (sorted set scored by removal time in ms)
    ARGV[1] the queue id
    ARGV[2] now, in ms
    ARGV[3] how long a removal is remembered, in ms
    ARGV[4..] ticket ids

  Output: the number of tickets removed
]]
local removed = redis.call('ZREM', KEYS[1], unpack(ARGV, 4))
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[1]) end
local now = tonumber(ARGV[2])
local keep = tonumber(ARGV[3])
local gone = {}
for i = 4, #ARGV do
  gone[#gone + 1] = now
  gone[#gone + 1] = ARGV[i]
end
redis.call('ZADD', KEYS[3], unpack(gone))
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - keep)
redis.call('PEXPIRE', KEYS[3], keep)
return removed

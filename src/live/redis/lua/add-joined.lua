--[[
  Adds the tickets a join just committed, except those removed since (an admission or a call that
  committed between the join's commit and this add): the removal wins, so the index never takes
  back a ticket that is no longer waiting.

  Input:
    KEYS[1] the queue's sorted set
    KEYS[2] the set of queue ids
    KEYS[3] the queue's recently removed ids (written by remove.lua)
    ARGV[1] the queue id
    ARGV[2..] pairs of order key and ticket id

  Output: the number of tickets added
]]
local added = 0
for i = 2, #ARGV, 2 do
  local id = ARGV[i + 1]
  if not redis.call('ZSCORE', KEYS[3], id) then
    added = added + redis.call('ZADD', KEYS[1], 'NX', ARGV[i], id)
  end
end
if added > 0 then redis.call('SADD', KEYS[2], ARGV[1]) end
return added

--[[
  Adds waiting tickets to a queue's sorted set (NX: a ticket already there keeps its place),
  records the queue in the queues set, and returns each added member's rank.

  Input:
    KEYS[1] the queue's sorted set
    KEYS[2] the set of queue ids
    ARGV[1] the queue id
    ARGV[2..] score, member, score, member... (score: the order key)

  Output: the rank of each member, in the order given
]]
redis.call('ZADD', KEYS[1], 'NX', unpack(ARGV, 2))
redis.call('SADD', KEYS[2], ARGV[1])
local ranks = {}
for i = 3, #ARGV, 2 do ranks[#ranks + 1] = redis.call('ZRANK', KEYS[1], ARGV[i]) end
return ranks

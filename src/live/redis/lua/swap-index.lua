--[[
  Swaps freshly built temporary sets in for the whole index. Every temporary key is checked before
  anything changes, because a script that fails halfway keeps its earlier writes.

  Input:
    KEYS[1] the set of queue ids
    KEYS[2] the "built" marker
    KEYS[3..] one temporary sorted set per queue id in ARGV[3..], in the same order
    ARGV[1] the prefix of live queue keys (a queue's key is this prefix and its id)
    ARGV[2] the marker's value (when the index was built)
    ARGV[3..] queue ids

  Output: the number of queues swapped in; an error reply, with nothing changed, when a
  temporary set is missing
]]
for i = 3, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then return redis.error_reply('ERR rebuild lost temporary key ' .. KEYS[i]) end
end
local keep = {}
for i = 3, #ARGV do keep[ARGV[i]] = true end
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if not keep[id] then redis.call('DEL', ARGV[1] .. id) end
end
redis.call('DEL', KEYS[1])
for i = 3, #ARGV do
  local live = ARGV[1] .. ARGV[i]
  redis.call('RENAME', KEYS[i], live)
  redis.call('PERSIST', live)
  redis.call('SADD', KEYS[1], ARGV[i])
end
redis.call('SET', KEYS[2], ARGV[2])
return #ARGV - 2

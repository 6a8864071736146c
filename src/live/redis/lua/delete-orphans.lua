--[[
  Deletes the given keys only if they still have no expiry, checked and deleted atomically (a
  writer may give one an expiry between a scan and the delete).

  Input:
    KEYS[1..] candidate keys

  Output: the number of keys deleted
]]
local removed = 0
for i = 1, #KEYS do
  if redis.call('PTTL', KEYS[i]) == -1 then removed = removed + redis.call('DEL', KEYS[i]) end
end
return removed

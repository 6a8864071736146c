import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A Lua script sent by SHA, with the source as fallback after a SCRIPT FLUSH or a restart. */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (e) {
      if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e;
      return client.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/**
 * ZADD NX of score/member pairs and the queue's entry in the queues set, then each member's rank.
 * KEYS: queue set, queues set. ARGV: queue id, then score, member, score, member...
 */
export const ADD_AND_RANK = new LuaScript(`
redis.call('ZADD', KEYS[1], 'NX', unpack(ARGV, 2))
redis.call('SADD', KEYS[2], ARGV[1])
local ranks = {}
for i = 3, #ARGV, 2 do ranks[#ranks + 1] = redis.call('ZRANK', KEYS[1], ARGV[i]) end
return ranks`);

/** ZREM, then forget the queue once its set is gone, in one step so no add slips in between. */
export const REMOVE = new LuaScript(`
local removed = redis.call('ZREM', KEYS[1], unpack(ARGV, 2))
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[1]) end
return removed`);

/**
 * Swaps freshly built temporary sets in for the whole index. Every temporary key is checked
 * before anything changes, because a script that fails halfway keeps its earlier writes.
 * KEYS: queues set, built marker, then one temporary set per queue id in ARGV[3..].
 * ARGV: queue key prefix, built marker value, queue ids.
 */
export const SWAP = new LuaScript(`
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
return #ARGV - 2`);

/** Deletes the given keys only if they still have no TTL (checked and deleted atomically). */
export const DELETE_ORPHANS = new LuaScript(`
local removed = 0
for i = 1, #KEYS do
  if redis.call('PTTL', KEYS[i]) == -1 then removed = removed + redis.call('DEL', KEYS[i]) end
end
return removed`);

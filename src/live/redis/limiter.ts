import type { Redis } from 'ioredis';
import type { RateDecision, RateLimiter } from '../contract.js';
import { guard } from './connection.js';
import { LuaScript } from './scripts.js';

/**
 * One hit against a sliding window, atomically: drop the times that left the window, then accept
 * and record this hit if fewer than the limit remain, else say when the oldest one leaves. The key
 * expires with its newest hit, so an idle client leaves nothing behind. A key of another type (a
 * counter of the fixed windows used before) is replaced.
 * KEYS[1]: the key's sorted set of accepted hit times (score = ms).
 * ARGV[1]: now (ms); ARGV[2]: window (ms); ARGV[3]: limit; ARGV[4]: a member unique to this hit.
 * Returns {allowed (1|0), hits in the window after this one, ms until the oldest leaves}.
 */
const SLIDING_HIT = new LuaScript(`
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
return {allowed, n, tonumber(oldest[2]) + window - now}`);

/**
 * Sliding-window limits shared by every node: at most `limit` accepted hits in any `windowMs`.
 * Nodes send their own clock; skew between nodes of a few ms does not matter against a minute.
 */
export class RedisRateLimiter implements RateLimiter {
  private seq = 0;

  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  async hit(key: string, limit: number, windowMs: number): Promise<RateDecision> {
    const ms = Math.max(1, Math.ceil(windowMs));
    const now = this.now();
    const member = `${now}:${process.pid}:${++this.seq}:${Math.random().toString(36).slice(2, 8)}`;
    const reply = await guard(() =>
      SLIDING_HIT.run(this.client, [`${this.prefix}rl:${key}`], [now, ms, limit, member]),
    );
    const [allowed, count, resetMs] = reply as [number, number, number];
    return { allowed: allowed === 1, remaining: Math.max(0, limit - count), resetMs: Math.max(1, resetMs) };
  }
}

import type { Redis } from 'ioredis';
import type { RateDecision, RateLimiter } from '../contract.js';
import { guard } from './connection.js';
import { RATE_HIT } from './scripts.js';

/**
 * Fixed-window counters shared by every node. INCR and PEXPIRE run in one script so a counter can
 * never be left without its expiry (which would block a client forever).
 */
export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
  ) {}

  async hit(key: string, limit: number, windowMs: number): Promise<RateDecision> {
    const ms = Math.max(1, Math.ceil(windowMs));
    const reply = await guard(() => RATE_HIT.run(this.client, [`${this.prefix}rl:${key}`], [ms]));
    const [count, ttl] = reply as [number, number];
    return { allowed: count <= limit, remaining: Math.max(0, limit - count), resetMs: Math.max(0, ttl) };
  }
}

import type { Redis } from 'ioredis';
import type { RateDecision, RateLimiter } from '../contract.js';
import { guard } from './connection.js';
import { defineScripts, SLIDING_HIT } from './scripts.js';

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
  ) {
    defineScripts(client);
  }

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

import type { RateDecision, RateLimiter } from '../contract.js';

interface Window {
  count: number;
  resetAt: number;
}

/**
 * Fixed-window counters for a single node. A window opens at a key's first hit and lasts
 * `windowMs`; expired windows are replaced on the next hit and dropped in bulk by `sweep`.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, Window>();

  /** `now` is injectable so tests can move time instead of sleeping. */
  constructor(private readonly now: () => number = Date.now) {}

  async hit(key: string, limit: number, windowMs: number): Promise<RateDecision> {
    const now = this.now();
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + Math.max(1, windowMs) };
      this.windows.set(key, w);
    }
    w.count++;
    return { allowed: w.count <= limit, remaining: Math.max(0, limit - w.count), resetMs: w.resetAt - now };
  }

  /** Drops windows that ended at or before `now`; returns how many. */
  sweep(now: number): number {
    let removed = 0;
    for (const [key, w] of this.windows) {
      if (w.resetAt <= now) {
        this.windows.delete(key);
        removed++;
      }
    }
    return removed;
  }

  get size(): number {
    return this.windows.size;
  }

  clear(): void {
    this.windows.clear();
  }
}

import type { RateDecision, RateLimiter } from '../contract.js';

/** The times of one key's accepted hits still inside the window, oldest first, from `head` on. */
interface Log {
  times: number[];
  head: number;
  window: number;
}

/**
 * Sliding-window limits for a single node: a key may have at most `limit` accepted hits in any
 * `windowMs`, whatever the boundaries (a fixed window let twice the limit through across one).
 * Only accepted hits are kept, so a key holds at most `limit` times; refused hits cost nothing.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly logs = new Map<string, Log>();

  /** `now` is injectable so tests can move time instead of sleeping. */
  constructor(private readonly now: () => number = Date.now) {}

  async hit(key: string, limit: number, windowMs: number): Promise<RateDecision> {
    const now = this.now();
    const window = Math.max(1, windowMs);
    let log = this.logs.get(key);
    if (!log) {
      log = { times: [], head: 0, window };
      this.logs.set(key, log);
    }
    log.window = window;
    const { times } = log;
    while (log.head < times.length && (times[log.head] as number) <= now - window) log.head++;
    // Dropping the expired prefix now and then keeps each hit O(1) on average.
    if (log.head > 64 && log.head * 2 > times.length) {
      times.splice(0, log.head);
      log.head = 0;
    }
    const used = times.length - log.head;
    if (used < limit) {
      times.push(now);
      return { allowed: true, remaining: limit - used - 1, resetMs: (times[log.head] as number) + window - now };
    }
    return { allowed: false, remaining: 0, resetMs: Math.max(1, (times[log.head] as number) + window - now) };
  }

  /** Drops keys whose every hit left the window; returns how many. */
  sweep(now: number): number {
    let removed = 0;
    for (const [key, log] of this.logs) {
      const last = log.times[log.times.length - 1];
      if (last === undefined || last <= now - log.window) {
        this.logs.delete(key);
        removed++;
      }
    }
    return removed;
  }

  get size(): number {
    return this.logs.size;
  }

  clear(): void {
    this.logs.clear();
  }
}

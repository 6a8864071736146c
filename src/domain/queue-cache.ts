import type { Queue } from './types.js';

const KEEP_MS = 1000;
const MAX_ENTRIES = 10_000;

/**
 * Customers poll their ticket often; the queue row only feeds the ETA there, whose inputs move
 * slowly, so one read a second per queue serves them all. Call-next uses it for the mode, which
 * never changes; the store itself checks the queue's status inside its transaction.
 */
export class QueueCache {
  private readonly entries = new Map<string, { queue: Queue; until: number }>();

  constructor(
    private readonly load: (id: string) => Promise<Queue>,
    private readonly now: () => Date,
  ) {}

  async get(id: string): Promise<Queue> {
    const now = this.now().getTime();
    const hit = this.entries.get(id);
    if (hit && hit.until > now) return hit.queue;
    const queue = await this.load(id);
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(id, { queue, until: now + KEEP_MS });
    return queue;
  }

  /** The queue when a fresh copy is at hand, else null (the caller then waits for `get`). */
  peek(id: string): Queue | null {
    const hit = this.entries.get(id);
    return hit && hit.until > this.now().getTime() ? hit.queue : null;
  }

  /** Empties the cache; returns how many entries it held. */
  clear(): number {
    const n = this.entries.size;
    this.entries.clear();
    return n;
  }
}

import type { WaitingEntry } from '../../domain/types.js';
import { REMOVED_MEMORY_MS, type LiveIndex } from '../contract.js';
import { normalizeWindow } from '../order-key.js';
import { QueueOrder } from './queue-order.js';

type Store = Map<string, QueueOrder>;

/**
 * The live index for a single node. Methods are async only to match the contract; every change
 * runs synchronously inside one call, so readers never see half of an update or of a rebuild.
 */
export class MemoryLiveIndex implements LiveIndex {
  private live: Store = new Map();
  private readonly namespaces = new Map<string, Store>();
  /** Recently removed `queueId ticketId` pairs by removal time; insertion order is time order. */
  private readonly removed = new Map<string, number>();
  /** A fresh process has no order yet: the caller must rebuild it from the database first. */
  private built = false;

  /** `blockCapacity` only exists so tests can force block splits and merges with few entries. */
  constructor(
    private readonly blockCapacity?: number,
    private readonly now: () => number = Date.now,
  ) {}

  async add(queueId: string, entries: readonly WaitingEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const existing = this.live.get(queueId);
    const q = existing ?? new QueueOrder(this.blockCapacity);
    q.add(entries);
    if (!existing && q.size > 0) this.live.set(queueId, q);
  }

  async addJoined(queueId: string, entries: readonly WaitingEntry[]): Promise<void> {
    await this.add(
      queueId,
      entries.filter((e) => !this.removed.has(`${queueId} ${e.ticketId}`)),
    );
  }

  async remove(queueId: string, ticketIds: readonly string[]): Promise<void> {
    this.remember(queueId, ticketIds);
    const q = this.live.get(queueId);
    if (!q) return;
    q.remove(ticketIds);
    // Like a Redis sorted set, an empty queue disappears so queueIds() lists only queues with entries.
    if (q.size === 0) this.live.delete(queueId);
  }

  private remember(queueId: string, ticketIds: readonly string[]): void {
    const now = this.now();
    for (const [key, at] of this.removed) {
      if (at > now - REMOVED_MEMORY_MS) break;
      this.removed.delete(key);
    }
    for (const id of ticketIds) {
      const key = `${queueId} ${id}`;
      // Delete first so the key moves to the end and the map stays in time order.
      this.removed.delete(key);
      this.removed.set(key, now);
    }
  }

  async rank(queueId: string, ticketId: string): Promise<number | null> {
    return this.rankNow(queueId, ticketId);
  }

  rankNow = (queueId: string, ticketId: string): number | null => this.live.get(queueId)?.rank(ticketId) ?? null;

  async count(queueId: string): Promise<number> {
    return this.live.get(queueId)?.size ?? 0;
  }

  async counts(): Promise<Map<string, number>> {
    return new Map([...this.live].map(([queueId, q]) => [queueId, q.size]));
  }

  async range(queueId: string, start: number, limit: number): Promise<string[]> {
    const w = normalizeWindow(start, limit);
    return this.live.get(queueId)?.range(w.start, w.limit) ?? [];
  }

  async queueIds(): Promise<string[]> {
    return [...this.live.keys()].sort();
  }

  async dropQueue(queueId: string): Promise<void> {
    this.live.delete(queueId);
  }

  async replaceAll(order: ReadonlyMap<string, readonly WaitingEntry[]>, namespace?: string): Promise<void> {
    const next: Store = new Map();
    for (const [queueId, entries] of order) {
      const q = QueueOrder.build(entries, this.blockCapacity);
      if (q.size > 0) next.set(queueId, q);
    }
    if (namespace === undefined) {
      this.live = next;
      this.built = true;
    } else {
      this.namespaces.set(namespace, next);
    }
  }

  async snapshot(namespace?: string): Promise<Map<string, string[]>> {
    const store = namespace === undefined ? this.live : this.namespaces.get(namespace);
    const out = new Map<string, string[]>();
    if (!store) return out;
    for (const queueId of [...store.keys()].sort()) out.set(queueId, store.get(queueId)!.toArray());
    return out;
  }

  async dropNamespace(namespace: string): Promise<void> {
    this.namespaces.delete(namespace);
  }

  async isBuilt(): Promise<boolean> {
    return this.built;
  }

  async stats(): Promise<{ entries: number; queues: number; bytes: number | null }> {
    let entries = 0;
    let bytes = 0;
    for (const q of this.live.values()) {
      entries += q.size;
      bytes += q.bytes();
    }
    return { entries, queues: this.live.size, bytes };
  }

  /** Frees everything; used by close(). */
  clear(): void {
    this.live = new Map();
    this.namespaces.clear();
    this.built = false;
  }
}

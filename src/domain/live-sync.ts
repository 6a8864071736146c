import type { LiveIndex } from '../live/contract.js';
import type { Store } from '../store/contract.js';
import type { WaitingEntry } from './types.js';

export interface ReconcileResult {
  readonly queues: number;
  readonly entries: number;
  /** Waiting tickets the index lacked, now added. */
  readonly added: number;
  /** Index entries of tickets that are no longer waiting (or gone), now removed. */
  readonly removed: number;
}

/** Rebuilds the live index (or a scratch namespace of it) from the database's waiting order. */
export async function rebuildIndex(
  store: Store,
  index: LiveIndex,
  namespace?: string,
): Promise<{ queues: number; entries: number }> {
  const order = await store.waitingEntries();
  await index.replaceAll(order, namespace);
  let entries = 0;
  for (const list of order.values()) entries += list.length;
  return { queues: order.size, entries };
}

/**
 * Makes the index equal to the database without a full swap: adds what is missing, removes what
 * is stale. Run right after a rebuild it closes the window in which a join or leave raced the
 * rebuild's read of the database.
 */
export async function reconcileIndex(store: Store, index: LiveIndex): Promise<ReconcileResult> {
  // The index is read first: a ticket that joins between the two reads is then in the database
  // read and gets added, instead of looking stale and being removed.
  const live = await index.snapshot();
  const order = await store.waitingEntries();
  let added = 0;
  let removed = 0;
  let entries = 0;
  for (const queueId of new Set([...order.keys(), ...live.keys()])) {
    const want = order.get(queueId) ?? [];
    entries += want.length;
    const have = new Set(live.get(queueId) ?? []);
    const wantIds = new Set(want.map((w) => w.ticketId));
    const missing: WaitingEntry[] = want.filter((w) => !have.has(w.ticketId));
    const stale = [...have].filter((id) => !wantIds.has(id));
    if (missing.length > 0) await index.add(queueId, missing);
    if (stale.length > 0) await index.remove(queueId, stale);
    added += missing.length;
    removed += stale.length;
  }
  return { queues: order.size, entries, added, removed };
}

/**
 * Reconciles one queue, for healing after a failed index write. Tickets it adds are checked again
 * afterwards: one called between the database read and the add would otherwise linger.
 */
export async function reconcileQueue(
  store: Store,
  index: LiveIndex,
  queueId: string,
): Promise<{ added: number; removed: number }> {
  const have = new Set(await index.range(queueId, 0, Math.max(1, await index.count(queueId))));
  const want = (await store.waitingEntries(queueId)).get(queueId) ?? [];
  const wantIds = new Set(want.map((w) => w.ticketId));
  const missing = want.filter((w) => !have.has(w.ticketId));
  const stale = [...have].filter((id) => !wantIds.has(id));
  if (missing.length > 0) await index.add(queueId, missing);
  if (stale.length > 0) await index.remove(queueId, stale);
  const gone: string[] = [];
  for (const m of missing) if ((await store.getTicket(m.ticketId))?.status !== 'waiting') gone.push(m.ticketId);
  if (gone.length > 0) await index.remove(queueId, gone);
  return { added: missing.length - gone.length, removed: stale.length };
}

/** Compares the order the index holds with the database's, ticket by ticket. */
export function compareOrders(
  expected: ReadonlyMap<string, readonly WaitingEntry[]>,
  actual: ReadonlyMap<string, readonly string[]>,
): { mismatches: number; details: string[] } {
  let mismatches = 0;
  const details: string[] = [];
  for (const queueId of new Set([...expected.keys(), ...actual.keys()])) {
    const a = (expected.get(queueId) ?? []).map((e) => e.ticketId);
    const b = actual.get(queueId) ?? [];
    const n = Math.max(a.length, b.length);
    let here = 0;
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) here++;
    if (here > 0 && details.length < 20)
      details.push(`queue ${queueId}: ${here} of ${n} positions differ (database ${a.length}, index ${b.length})`);
    mismatches += here;
  }
  return { mismatches, details };
}

/**
 * Watches the index and rebuilds it whenever it has lost its data (Redis flushed or restarted).
 * One rebuild at a time; `poke()` asks for an early check after a miss.
 */
export class IndexWatcher {
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | null = null;
  private readonly dirty = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly index: LiveIndex,
    private readonly events: { onError(e: unknown): void; onRebuilt(r: { queues: number; entries: number }): void },
    private readonly intervalMs = 2000,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.poke(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** A write to this queue's index failed or a waiting ticket was missing: reconcile it soon. */
  markDirty(queueId: string): void {
    this.dirty.add(queueId);
    void this.poke();
  }

  poke(): Promise<void> {
    this.busy ??= this.check().finally(() => {
      this.busy = null;
    });
    return this.busy;
  }

  private async check(): Promise<void> {
    try {
      if (!(await this.index.isBuilt())) {
        this.dirty.clear();
        const rebuilt = await rebuildIndex(this.store, this.index);
        await reconcileIndex(this.store, this.index);
        this.events.onRebuilt(rebuilt);
        return;
      }
      for (const queueId of [...this.dirty]) {
        await reconcileQueue(this.store, this.index, queueId);
        this.dirty.delete(queueId);
      }
    } catch (e) {
      // Still unreachable: the dirty marks stay, and the next tick tries again.
      this.events.onError(e);
    }
  }
}

import type { LiveIndex } from '../live/contract.js';
import type { Store } from '../store/contract.js';
import { rebuildIndex, reconcileIndex, type ReconcileResult } from './live-sync.js';

export interface WatcherEvents {
  onError(e: unknown): void;
  onRebuilt(r: { queues: number; entries: number }): void;
  /** An audit found queues whose index differed from the database, and repaired them. */
  onRepaired?(r: ReconcileResult & { queueIds: string[] }): void;
}

export interface WatcherTiming {
  /** How often to look for a lost index and reconcile queues marked after a miss. */
  readonly intervalMs: number;
  /**
   * How often to compare each queue's waiting count in the index with the database's. A queue is
   * reconciled when two audits in a row find it different, so a divergence is repaired within two
   * audits (the default: 20 s), while an index write in flight at one audit is left alone.
   */
  readonly auditMs: number;
}

const DEFAULT_TIMING: WatcherTiming = { intervalMs: 2000, auditMs: 10_000 };

/**
 * Keeps the index equal to the database on every node, with no request needed: rebuilds it when
 * it has lost its data (Redis flushed or restarted), reconciles queues marked after a failed index
 * write or a missing ticket, and audits every queue's count. One check at a time.
 */
export class IndexWatcher {
  private timers: NodeJS.Timeout[] = [];
  private busy: Promise<void> = Promise.resolve();
  private readonly queued = new Map<'check' | 'audit', Promise<void>>();
  private readonly dirty = new Set<string>();
  /** Queues the last audit found different; a second audit confirms them. */
  private suspects = new Set<string>();
  private readonly timing: WatcherTiming;

  constructor(
    private readonly store: Store,
    private readonly index: LiveIndex,
    private readonly events: WatcherEvents,
    timing: Partial<WatcherTiming> = {},
  ) {
    this.timing = { ...DEFAULT_TIMING, ...timing };
  }

  start(): void {
    this.timers = [
      setInterval(() => void this.poke(), this.timing.intervalMs),
      setInterval(() => void this.audit(), this.timing.auditMs),
    ];
    for (const t of this.timers) t.unref();
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  /** A write to this queue's index failed or a waiting ticket was missing: reconcile it soon. */
  markDirty(queueId: string): void {
    this.dirty.add(queueId);
    void this.poke();
  }

  poke(): Promise<void> {
    return this.serially('check', () => this.check());
  }

  /**
   * Compares waiting counts per queue (one row per queue from the database, one count per queue
   * from the index: cheap at any number of waiting tickets) and reconciles only the queues found
   * different by this audit and the one before.
   */
  audit(): Promise<void> {
    return this.serially('audit', async () => {
      try {
        const have = await this.index.counts();
        const want = await this.store.waitingCounts();
        const differ = new Set<string>();
        for (const queueId of new Set([...have.keys(), ...want.keys()]))
          if ((have.get(queueId) ?? 0) !== (want.get(queueId) ?? 0)) differ.add(queueId);
        const confirmed = [...differ].filter((id) => this.suspects.has(id)).sort();
        this.suspects = differ;
        if (confirmed.length === 0) return;
        const r = await reconcileIndex(this.store, this.index, confirmed);
        for (const id of confirmed) this.suspects.delete(id);
        this.events.onRepaired?.({ ...r, queueIds: confirmed });
      } catch (e) {
        this.events.onError(e);
      }
    });
  }

  /** Runs after whatever runs now; a request for work already waiting its turn joins that one. */
  private serially(kind: 'check' | 'audit', fn: () => Promise<void>): Promise<void> {
    const waiting = this.queued.get(kind);
    if (waiting) return waiting;
    const next = this.busy.then(() => {
      this.queued.delete(kind);
      return fn();
    });
    this.queued.set(kind, next);
    this.busy = next;
    return next;
  }

  private async check(): Promise<void> {
    try {
      if (!(await this.index.isBuilt())) {
        this.dirty.clear();
        this.suspects.clear();
        const rebuilt = await rebuildIndex(this.store, this.index);
        await reconcileIndex(this.store, this.index);
        this.events.onRebuilt(rebuilt);
        return;
      }
      for (const queueId of [...this.dirty]) {
        await reconcileIndex(this.store, this.index, [queueId]);
        this.dirty.delete(queueId);
      }
    } catch (e) {
      // Still unreachable: the dirty marks stay, and the next tick tries again.
      this.events.onError(e);
    }
  }
}

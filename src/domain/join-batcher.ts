import type { JoinOutcome, JoinRequest, Store } from '../store/contract.js';

const MAX_BATCH = 512;

interface Pending {
  readonly req: JoinRequest;
  resolve(j: JoinOutcome): void;
  reject(e: unknown): void;
}

/**
 * Runs once per committed batch, before any caller is answered (the live index update). It must not
 * throw: the batch has committed, and its callers are answered with success whatever it meets.
 */
export type AfterCommit = (queueId: string, outcomes: readonly JoinOutcome[]) => Promise<void>;

/**
 * Group commit: joins to one queue that arrive in the same turn of the event loop are written in
 * one transaction. Each caller still gets its answer only after that transaction committed and
 * `afterCommit` (the live index update, one call per batch) finished. A caller is told of a failure
 * only when the batch failed to commit.
 */
export class JoinBatcher {
  private readonly pending = new Map<string, Pending[]>();
  private readonly flushing = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly now: () => Date,
    private readonly afterCommit: AfterCommit,
    /** Told when a batch failed, with the error, before its callers are. */
    private readonly onFailed: (queueId: string, e: unknown) => void,
  ) {}

  join(queueId: string, req: JoinRequest): Promise<JoinOutcome> {
    return new Promise((resolve, reject) => {
      let list = this.pending.get(queueId);
      if (!list) {
        this.pending.set(queueId, (list = []));
        if (!this.flushing.has(queueId)) setImmediate(() => void this.flush(queueId));
      }
      list.push({ req, resolve, reject });
    });
  }

  private async flush(queueId: string): Promise<void> {
    const list = this.pending.get(queueId);
    if (!list || list.length === 0) return;
    this.pending.delete(queueId);
    this.flushing.add(queueId);
    try {
      for (let i = 0; i < list.length; i += MAX_BATCH) {
        const batch = list.slice(i, i + MAX_BATCH);
        let outcomes: JoinOutcome[];
        try {
          outcomes = await this.store.joinMany(
            queueId,
            batch.map((p) => p.req),
            this.now(),
          );
        } catch (e) {
          this.onFailed(queueId, e);
          for (const p of batch) p.reject(e);
          continue;
        }
        await this.afterCommit(queueId, outcomes);
        batch.forEach((p, j) => p.resolve(outcomes[j] as JoinOutcome));
      }
    } finally {
      this.flushing.delete(queueId);
      // Joins that arrived while this batch was committing form the next batch.
      if (this.pending.has(queueId)) setImmediate(() => void this.flush(queueId));
    }
  }
}

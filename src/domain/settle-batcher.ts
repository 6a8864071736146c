import type { AttemptResult, SettledAttempt, WebhookStore } from '../store/webhook-contract.js';

interface Waiting extends SettledAttempt {
  resolve(recorded: boolean): void;
  reject(e: unknown): void;
}

/**
 * Group commit for finished sends: attempts that finish in the same turn of the event loop, or
 * while the previous batch is being written, are recorded by one statement. Under a backlog that
 * is one write per handful of sends rather than one each, on the same writer the joins need. Each
 * caller learns only once its own row is written (or the write failed: the row then stays leased
 * and is sent again after its lease, never lost).
 */
export class SettleBatcher {
  private waiting: Waiting[] = [];
  private flushing = false;

  constructor(
    private readonly store: WebhookStore,
    private readonly owner: string,
  ) {}

  /** Resolves to false when the lease had gone to another node: the result was discarded. */
  settle(id: string, result: AttemptResult, at: Date): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ id, result, at, resolve, reject });
      if (this.waiting.length === 1 && !this.flushing) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing || this.waiting.length === 0) return;
    this.flushing = true;
    const batch = this.waiting;
    this.waiting = [];
    try {
      const recorded = await this.store.settleBatch(this.owner, batch);
      for (const w of batch) w.resolve(recorded.has(w.id));
    } catch (e) {
      for (const w of batch) w.reject(e);
    } finally {
      this.flushing = false;
      // Sends that finished while this batch was written form the next one.
      if (this.waiting.length > 0) setImmediate(() => void this.flush());
    }
  }
}

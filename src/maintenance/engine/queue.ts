import { AppError } from '../../errors/index.js';
import { settlesWithin } from '../../resilience/index.js';
import type { RunDocument, RunTrigger } from '../types.js';
import { newRunId, PRIORITY_RANK, type RunTarget } from './registry.js';
import { abandonedDocument, executeRun, newRunDocument, storeFinal, type RunnerDeps } from './runner.js';
import { databaseDown } from './spool.js';

interface Queued {
  readonly doc: RunDocument;
  readonly target: RunTarget;
  readonly seq: number;
  /** Why the database could not record the run's start; null when it did. */
  readonly offline: string | null;
  readonly resolve: (doc: RunDocument) => void;
}

/**
 * One maintenance run at a time on this node, high priority first, then in order of arrival.
 * A run is stored as `running` when it is queued, and heartbeats until it ends, so that other
 * nodes see it (no overlap) and can tell a queued run from one whose node died.
 */
export class RunQueue {
  private readonly pending: Queued[] = [];
  private current: Queued | null = null;
  private readonly completions = new Map<string, Promise<RunDocument>>();
  private readonly abandon = new AbortController();
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  private seq = 0;
  private stopped = false;

  constructor(private readonly deps: RunnerDeps) {}

  /**
   * Stores the run as `running` and queues it; resolves with its id once stored. When the database
   * cannot be reached the run is queued all the same, to run offline (see `executeRun`).
   */
  async submit(
    target: RunTarget,
    trigger: RunTrigger,
    scheduledFor: Date | null,
    id: string = newRunId(),
  ): Promise<string> {
    if (this.stopped) throw new AppError('unavailable', 'maintenance is stopping on this node', { retryAfter: 5 });
    const doc = newRunDocument(id, target, trigger, scheduledFor, this.deps.now());
    let offline: string | null = null;
    try {
      await this.deps.store.maintenance.insertRun(doc, this.deps.nodeId, this.deps.now());
    } catch (e) {
      offline = databaseDown(e);
      if (offline === null) throw e;
      this.deps.logger.error({ runId: id, plan: target.plan, reason: offline }, 'maintenance run starts offline');
    }
    let resolve!: (doc: RunDocument) => void;
    this.completions.set(id, new Promise<RunDocument>((r) => (resolve = r)));
    const queued: Queued = { doc, target, seq: this.seq++, offline, resolve };
    // stop() may have begun while the insert was in flight; the run must not be left `running`.
    if (this.stopped) await this.endUnstarted(queued);
    else {
      this.pending.push(queued);
      this.startHeartbeat();
      this.kick();
    }
    return id;
  }

  /** True while this node holds a queued or running run of the plan. */
  has(plan: string): boolean {
    return this.current?.target.plan === plan || this.pending.some((q) => q.target.plan === plan);
  }

  /** The document of a run queued or running here, as it was queued; undefined for other runs. */
  queued(runId: string): RunDocument | undefined {
    return [this.current, ...this.pending].find((q) => q?.doc.id === runId)?.doc;
  }

  /** Resolves with the final document of a run this node holds; undefined for other runs. */
  completion(runId: string): Promise<RunDocument> | undefined {
    return this.completions.get(runId);
  }

  /**
   * Queued runs end as `interrupted` without starting; the current one gets `graceMs` to finish
   * and is then abandoned (its step fails, the rest are skipped, the run is `interrupted`).
   */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    for (const q of this.pending.splice(0)) await this.endUnstarted(q);
    const running = this.draining;
    if (running) {
      await settlesWithin(running, graceMs);
      this.abandon.abort();
      await running;
    }
    this.stopHeartbeat();
  }

  private async endUnstarted(q: Queued): Promise<void> {
    const doc = abandonedDocument(q.doc, q.target, this.deps.now());
    await storeFinal(this.deps, doc, q.offline !== null);
    this.finish(q, doc);
  }

  private kick(): void {
    if (this.draining) return;
    this.draining = this.drain().finally(() => {
      this.draining = null;
      // A run queued while the loop was winding down would otherwise wait for the next submit.
      if (this.pending.length > 0 && !this.abandon.signal.aborted) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0 && !this.abandon.signal.aborted) {
      this.pending.sort((a, b) => PRIORITY_RANK[a.target.priority] - PRIORITY_RANK[b.target.priority] || a.seq - b.seq);
      const next = this.pending.shift();
      if (!next) break;
      this.current = next;
      let doc: RunDocument;
      try {
        doc = await executeRun(this.deps, next.doc, next.target, this.abandon.signal, next.offline);
      } catch (e) {
        // executeRun records step failures itself; reaching here means a bug, so keep the queue alive.
        this.deps.logger.error({ err: e, runId: next.doc.id }, 'maintenance run crashed');
        doc = { ...next.doc, status: 'failed', success: false, endedAt: this.deps.now().toISOString() };
      }
      this.current = null;
      this.finish(next, doc);
    }
    if (this.pending.length === 0) this.stopHeartbeat();
  }

  private finish(q: Queued, doc: RunDocument): void {
    q.resolve(doc);
    // Keep the promise a little while for late waitFor callers, then let the store answer.
    setTimeout(() => this.completions.delete(q.doc.id), 60_000).unref();
  }

  private startHeartbeat(): void {
    if (this.heartbeatTimer) return;
    const beat = () => {
      const ids = [this.current, ...this.pending]
        .filter((q): q is Queued => q !== null && q.offline === null)
        .map((q) => q.doc.id);
      for (const id of ids)
        this.deps.store.maintenance
          .heartbeat(id, this.deps.now())
          .catch((e: unknown) => this.deps.logger.warn({ err: e, runId: id }, 'maintenance heartbeat failed'));
    };
    this.heartbeatTimer = setInterval(beat, this.deps.config.maintenance.heartbeatMs);
    this.heartbeatTimer.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }
}

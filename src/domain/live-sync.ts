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

/** Past this many candidates a change is a bulk one (a wiped index): one lookup each would take minutes on Redis. */
const RECHECK_LIMIT = 1000;
/** Page size when reading one queue's entries from the index. */
const PAGE = 10_000;

/**
 * The index reconciler: makes the index hold exactly the database's waiting tickets, for the given
 * queues or for all, adding what is missing and removing what is stale, without a full swap.
 *
 * The index is read before the database. Every operation commits to the database first and updates
 * the index after, so an entry seen in the index whose ticket is not waiting in the later database
 * read has really stopped waiting, and a ticket that joins between the two reads is found missing
 * (and added) rather than taken for stale. Each candidate is looked up again right before the
 * change, so a join or leave that did the work meanwhile is not counted as ours, and each ticket
 * added is checked once more against the database: one called between the read and the add would
 * otherwise linger. Past `RECHECK_LIMIT` candidates in a queue the lookups are skipped.
 */
export async function reconcileIndex(
  store: Store,
  index: LiveIndex,
  queueIds?: readonly string[],
): Promise<ReconcileResult> {
  let live: Map<string, string[]>;
  let order: Map<string, WaitingEntry[]>;
  if (queueIds === undefined) {
    live = await index.snapshot();
    order = await store.waitingEntries();
  } else {
    live = new Map();
    order = new Map();
    for (const queueId of queueIds) {
      live.set(queueId, await queueEntries(index, queueId));
      order.set(queueId, (await store.waitingEntries(queueId)).get(queueId) ?? []);
    }
  }
  let added = 0;
  let removed = 0;
  let entries = 0;
  for (const queueId of new Set([...order.keys(), ...live.keys()])) {
    const want = order.get(queueId) ?? [];
    entries += want.length;
    const fixed = await reconcileOne(store, index, queueId, live.get(queueId) ?? [], want);
    added += fixed.added;
    removed += fixed.removed;
  }
  return { queues: [...order.values()].filter((w) => w.length > 0).length, entries, added, removed };
}

async function reconcileOne(
  store: Store,
  index: LiveIndex,
  queueId: string,
  have: readonly string[],
  want: readonly WaitingEntry[],
): Promise<{ added: number; removed: number }> {
  const wantIds = new Set(want.map((w) => w.ticketId));
  const stale = await recheck(
    have.filter((id) => !wantIds.has(id)),
    async (id) => (await index.rank(queueId, id)) !== null,
  );
  if (stale.length > 0) await index.remove(queueId, stale);

  const haveIds = new Set(have);
  const missing = await recheck(
    want.filter((w) => !haveIds.has(w.ticketId)),
    async (w) => (await index.rank(queueId, w.ticketId)) === null,
  );
  if (missing.length > 0) await index.add(queueId, missing);
  // Past the limit a ticket that stopped waiting meanwhile is left for the next audit to remove.
  const left = await recheck(
    missing.map((m) => m.ticketId),
    async (id) => (await store.getTicket(id))?.status !== 'waiting',
    [],
  );
  if (left.length > 0) await index.remove(queueId, left);
  return { added: missing.length - left.length, removed: stale.length };
}

/** The candidates `confirm` holds for, each looked up once; past the limit, `bulk` without lookups. */
async function recheck<T>(candidates: T[], confirm: (c: T) => Promise<boolean>, bulk: T[] = candidates): Promise<T[]> {
  if (candidates.length > RECHECK_LIMIT) return bulk;
  const out: T[] = [];
  for (const c of candidates) if (await confirm(c)) out.push(c);
  return out;
}

/** One queue's entries in the index, read page by page. */
async function queueEntries(index: LiveIndex, queueId: string): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; ; start += PAGE) {
    const page = await index.range(queueId, start, PAGE);
    ids.push(...page);
    if (page.length < PAGE) return ids;
  }
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

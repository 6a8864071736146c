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

import type { LiveIndex } from '../../../live/contract.js';
import type { Store } from '../../../store/contract.js';
import { statusFrom, type Step } from '../../step.js';
import type { Finding } from '../../types.js';
import { errorText } from '../health-check/probes.js';
import { countExpiredSincePrevious } from './expired.js';

export interface IndexCleanup {
  readonly queues: number;
  /** Entries of tickets that are no longer waiting (or no longer exist), removed. */
  readonly removed: number;
  /** Waiting tickets the index lacked, added back. */
  readonly added: number;
  /** Waiting tickets in the database when it was read. */
  readonly waiting: number;
}

/**
 * Makes the live index hold exactly the database's waiting tickets, counting only what this call
 * changed. The index is read before the database: every operation commits to the database first
 * and updates the index after, so an entry seen in the snapshot whose ticket still waits is sure
 * to be in the later database read, and a join racing this step is never taken for stale. Each
 * candidate is looked up once more right before the change, so a leave or join that did the work
 * meanwhile is not counted as ours.
 */
export async function cleanIndex(store: Store, index: LiveIndex): Promise<IndexCleanup> {
  const live = await index.snapshot();
  const order = await store.waitingEntries();
  let removed = 0;
  let added = 0;
  let waiting = 0;
  for (const queueId of new Set([...live.keys(), ...order.keys()])) {
    const want = order.get(queueId) ?? [];
    waiting += want.length;
    const wantIds = new Set(want.map((w) => w.ticketId));
    const have = live.get(queueId) ?? [];
    const stale = await recheck(
      have.filter((id) => !wantIds.has(id)),
      async (id) => (await index.rank(queueId, id)) !== null,
    );
    if (stale.length > 0) await index.remove(queueId, stale);
    removed += stale.length;

    const haveIds = new Set(have);
    const missing = await recheck(
      want.filter((w) => !haveIds.has(w.ticketId)),
      async (w) => (await index.rank(queueId, w.ticketId)) === null,
    );
    // A ticket that leaves between the database read and this add leaves a stale entry behind;
    // the window is a few milliseconds and the next run removes it.
    if (missing.length > 0) await index.add(queueId, missing);
    added += missing.length;
  }
  return { queues: order.size, removed, added, waiting };
}

/** Past this many candidates the change is a bulk one (a wiped index), and one lookup each would take minutes on Redis. */
const RECHECK_LIMIT = 1000;

async function recheck<T>(candidates: T[], stillNeeded: (c: T) => Promise<boolean>): Promise<T[]> {
  if (candidates.length > RECHECK_LIMIT) return candidates;
  const out: T[] = [];
  for (const c of candidates) if (await stillNeeded(c)) out.push(c);
  return out;
}

/**
 * Daily step: removes what has outlived its use. Live-index entries of tickets that stopped
 * waiting (`oldSessionsRemoved`), expired or orphaned rate-limit windows (`expiredKeysRemoved`)
 * and idempotency keys past their expiry (`temporaryDataRemoved`); it also reports the waiting
 * tickets the expiry sweeper expired since the previous count (`ticketsExpired`, see
 * `countExpiredSincePrevious`). The same on memory and Redis;
 * each part is measured on its own, and one that fails leaves its figure null and fails the step.
 */
export const cacheCleanup: Step = async (ctx) => {
  const findings: Finding[] = [];
  const failed: string[] = [];
  const now = ctx.now();
  const attempt = async <T>(what: string, fn: () => Promise<T>): Promise<T | null> => {
    if (ctx.signal.aborted) {
      failed.push(what);
      findings.push({
        severity: 'error',
        message: `${what} not done: the step was stopped (${String(ctx.signal.reason)})`,
      });
      return null;
    }
    try {
      return await fn();
    } catch (e) {
      failed.push(what);
      findings.push({ severity: 'error', message: `${what} failed: ${errorText(e)}` });
      return null;
    }
  };

  const index = await attempt('live index cleanup', () => cleanIndex(ctx.store, ctx.live.index));
  const sweep = await attempt('rate-limit sweep', () => ctx.live.sweep(now.getTime()));
  const idempotency = await attempt('idempotency key cleanup', () => ctx.store.admin.deleteExpiredIdempotencyKeys(now));
  const expired = await attempt('count of expired tickets', () => countExpiredSincePrevious(ctx));
  const trimmed =
    typeof ctx.services.trimCaches === 'function'
      ? await attempt('in-process cache trim', async () => ctx.services.trimCaches?.() ?? 0)
      : null;

  if (index !== null && index.added > 0) {
    // Positions of these tickets failed with 503 until now: worth a look at what dropped them.
    findings.push({
      severity: 'warning',
      message: `${index.added} waiting tickets were missing from the live index and were added back`,
    });
  }
  if (index !== null && index.removed > 0)
    findings.push({
      severity: 'info',
      message: `${index.removed} live-index entries of tickets no longer waiting were removed`,
    });

  if (expired !== null && expired.count > 0)
    findings.push({
      severity: 'info',
      message: `${expired.count} waiting tickets expired past their queue's TTL since ${expired.window.from}`,
    });

  return {
    status: statusFrom(findings),
    figures: {
      backend: ctx.live.kind,
      expiredKeysRemoved: sweep?.expiredKeysRemoved ?? null,
      oldSessionsRemoved: index?.removed ?? null,
      temporaryDataRemoved: idempotency,
      missingSessionsAdded: index?.added ?? null,
      waitingTickets: index?.waiting ?? null,
      inProcessCacheEntriesDropped: trimmed,
      ticketsExpired: expired?.count ?? null,
      ticketsExpiredWindow: expired?.window ?? null,
    },
    findings,
    error: failed.length > 0 ? `failed: ${failed.join(', ')}` : null,
  };
};

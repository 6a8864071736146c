import { backupIds, inspectBackup, type Inspection, type Manifest } from '../../../backup/index.js';
import { compareOrders, rebuildIndex } from '../../../domain/live-sync.js';
import type { TicketRecord } from '../../../domain/types.js';
import type { Store } from '../../../store/contract.js';
import type { StepContext } from '../../step.js';

/** At most this many backups are restored looking for one that verifies. */
const MAX_TRIED = 5;
const SAMPLE = 50;
const FAILOVER_ATTEMPTS = 3;

export interface RestoreDrill {
  readonly tried: { id: string; status: string; reason: string | null }[];
  readonly found: { id: string; manifest: Manifest; inspection: Inspection; rtoMs: number; createdAt: string } | null;
}

/**
 * Restores the newest backup that verifies into scratch. RTO runs from the start of that restore
 * (checks included, as `backup restore` does them) until a live order has been rebuilt from the
 * restored database, i.e. until it could serve positions.
 */
export async function restoreNewestValid(ctx: StepContext): Promise<RestoreDrill> {
  const tried: RestoreDrill['tried'] = [];
  for (const id of (await backupIds(ctx.config.backup.dir)).slice(0, MAX_TRIED)) {
    const t0 = performance.now();
    const inspection = await inspectBackup(ctx.config, id, { keep: true, now: () => ctx.now(), signal: ctx.signal });
    const v = inspection.verification;
    tried.push({ id, status: v.status, reason: v.reason });
    if (inspection.restored && inspection.manifest && (v.status === 'Valid' || v.status === 'Stale')) {
      const ns = `dr-restore-${ctx.runId}`;
      try {
        await rebuildIndex(inspection.restored.store, ctx.live.index, ns);
      } finally {
        await ctx.live.index.dropNamespace(ns);
      }
      return {
        tried,
        found: {
          id,
          manifest: inspection.manifest,
          inspection,
          rtoMs: Math.round(performance.now() - t0),
          createdAt: inspection.manifest.createdAt,
        },
      };
    }
    await inspection.release();
  }
  return { tried, found: null };
}

export interface FailoverDrill {
  readonly attempts: number;
  readonly queues: number;
  readonly entries: number;
  /** Positions where the live index differs from the database's order. */
  readonly mismatches: number;
  /** Positions where the scratch rebuild differs from the database's order. */
  readonly rebuildMismatches: number;
  readonly details: string[];
}

/**
 * Failover: the live index is rebuilt from the database into a scratch namespace (what a new
 * node or a flushed Redis would do; rebuildIndex's two halves, so one read of the database serves
 * both comparisons) and the live one is compared with the database. Joins racing the comparison
 * show up as mismatches that vanish on the next attempt; drift stays.
 */
export async function failoverDrill(ctx: StepContext): Promise<FailoverDrill> {
  const ns = `dr-failover-${ctx.runId}`;
  let last: FailoverDrill | null = null;
  try {
    for (let attempt = 1; attempt <= FAILOVER_ATTEMPTS; attempt++) {
      const order = await ctx.store.waitingEntries();
      await ctx.live.index.replaceAll(order, ns);
      const rebuilt = await compareOrders(order, await ctx.live.index.snapshot(ns));
      const live = await compareOrders(order, await ctx.live.index.snapshot());
      const entries = [...order.values()].reduce((n, l) => n + l.length, 0);
      last = {
        attempts: attempt,
        queues: order.size,
        entries,
        mismatches: live.mismatches,
        rebuildMismatches: rebuilt.mismatches,
        details: [...rebuilt.details, ...live.details],
      };
      if (live.mismatches === 0 && rebuilt.mismatches === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await ctx.live.index.dropNamespace(ns);
  }
  return last as FailoverDrill;
}

export interface DataDrill {
  readonly sampled: number;
  readonly compared: number;
  readonly matched: number;
  /** Changed or removed in the database since the backup: nothing to compare against. */
  readonly changedSinceBackup: number;
  readonly mismatches: string[];
}

const shuffle = <T>(xs: T[]): T[] => {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
  }
  return xs;
};

function differingFields(a: TicketRecord, b: TicketRecord): string[] {
  const norm = (v: unknown) =>
    v instanceof Date ? v.getTime() : v !== null && typeof v === 'object' ? JSON.stringify(v) : v;
  return (Object.keys(a) as (keyof TicketRecord)[]).filter((k) => norm(a[k]) !== norm(b[k]));
}

/**
 * Data recovery: a random sample of the backup's tickets, each looked up in the live database.
 * A ticket whose last change (updatedAt) is the one the backup holds must match field for field;
 * a difference is data the backup lost or altered. One changed or removed since is skipped.
 */
export async function dataDrill(restored: Store, current: Store): Promise<DataDrill> {
  const candidates: TicketRecord[] = [];
  for (const q of shuffle(await restored.listQueues()).slice(0, 20))
    candidates.push(...(await restored.listTickets(q.id, { limit: 200 })).items);
  const sample = shuffle(candidates).slice(0, SAMPLE);
  let matched = 0;
  let changed = 0;
  const mismatches: string[] = [];
  for (const r of sample) {
    const c = await current.getTicket(r.id);
    if (c === null || c.updatedAt.getTime() !== r.updatedAt.getTime()) {
      changed++;
      continue;
    }
    const fields = differingFields(r, c);
    if (fields.length === 0) matched++;
    else mismatches.push(`ticket ${r.id}: ${fields.join(', ')} differ`);
  }
  return {
    sampled: sample.length,
    compared: matched + mismatches.length,
    matched,
    changedSinceBackup: changed,
    mismatches,
  };
}

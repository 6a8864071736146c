import { sql, type Kysely } from 'kysely';
import { sessionEndsNeeded } from '../../domain/admission-eta.js';
import type { Queue } from '../../domain/types.js';
import type { DB } from './schema.js';

/**
 * Written into the statement, not bound: only then may a generic plan (PostgreSQL's prepared
 * statements) use the partial index of admitted tickets (migration 017).
 */
export const ADMITTED = sql.lit('admitted');
/** Queue ids bound in one read; SQLite allows 32,766 bound values. */
const IDS_PER_READ = 1000;

export async function sessionEnds(db: Kysely<DB>, queueId: string, at: Date, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('tickets')
    .select('admitted_until')
    .where('queue_id', '=', queueId)
    .where('status', '=', ADMITTED)
    .where('admitted_until', '>', at.getTime())
    .orderBy('admitted_until')
    .limit(limit)
    .execute();
  return rows.map((r) => Number(r.admitted_until));
}

/**
 * The active sessions' ends of several rooms at once (the queue list), earliest first: a window
 * numbers each room's sessions so the read stops at the largest limit asked, and each room is then
 * cut to its own.
 */
export async function sessionEndsOf(
  db: Kysely<DB>,
  limits: ReadonlyMap<string, number>,
  at: Date,
): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  const ids = [...limits.keys()];
  const most = Math.max(0, ...limits.values());
  for (let i = 0; i < ids.length; i += IDS_PER_READ) {
    const ranked = db
      .selectFrom('tickets')
      .select((eb) => [
        'queue_id',
        'admitted_until',
        eb.fn
          .agg<number>('row_number')
          .over((ob) => ob.partitionBy('queue_id').orderBy('admitted_until'))
          .as('n'),
      ])
      .where('queue_id', 'in', ids.slice(i, i + IDS_PER_READ))
      .where('status', '=', ADMITTED)
      .where('admitted_until', '>', at.getTime())
      .as('r');
    const rows = await db
      .selectFrom(ranked)
      .select(['r.queue_id', 'r.admitted_until'])
      .where('r.n', '<=', most)
      .orderBy('r.queue_id')
      .orderBy('r.admitted_until')
      .execute();
    for (const r of rows) {
      const list = out.get(r.queue_id) ?? [];
      if (list.length < (limits.get(r.queue_id) ?? 0)) list.push(Number(r.admitted_until));
      out.set(r.queue_id, list);
    }
  }
  return out;
}

/**
 * The sessions' ends a join's quote needs (none unless the queue is a capped room that admits).
 * Read by the join's own transaction, under the queue's row lock it holds: every admission takes
 * that lock too, so the ends are those in force when the tickets commit, and the range stored as
 * `etaAtJoin` and answered is the one the first status read gives at that moment. Waiting rooms
 * never take PostgreSQL's one-statement join, so every join that can need the read has this lock.
 */
export async function withQuoteEnds(trx: Kysely<DB>, queue: Queue, now: number): Promise<Queue> {
  const limit = sessionEndsNeeded(queue);
  return limit === null ? queue : { ...queue, sessionEnds: await sessionEnds(trx, queue.id, new Date(now), limit) };
}

import { sql, type Kysely } from 'kysely';
import { sessionEndsNeeded } from '../../domain/admission-eta.js';
import type { Queue } from '../../domain/types.js';
import type { DialectParts } from './dialect.js';
import type { DB } from './schema.js';

/**
 * Written into the statement, not bound: only then may a generic plan (PostgreSQL's prepared
 * statements) use the partial index of admitted tickets (migration 017).
 */
export const ADMITTED = sql.lit('admitted');
/** Queue ids bound in one SQLite read; SQLite allows 32,766 bound values. */
const IDS_PER_READ = 1000;

type Ends = Map<string, number[]>;
type EndRow = { queue_id: string; admitted_until: string | number | null };

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
 * PostgreSQL: every room's own first sessions through the index, the rooms and their limits bound
 * as two arrays. One SQL text for any number of rooms (each text takes one of the client's named
 * statement slots for good), and each room reads only as far as its limit.
 */
const pgSessionEndsOf = (limits: ReadonlyMap<string, number>, at: Date) =>
  sql<EndRow>`
    SELECT q.id AS queue_id, s.admitted_until
    FROM unnest(${[...limits.keys()]}::text[], ${[...limits.values()]}::int[]) AS q(id, n)
    CROSS JOIN LATERAL (
      SELECT admitted_until FROM tickets
      WHERE queue_id = q.id AND status = ${ADMITTED} AND admitted_until > ${at.getTime()}
      ORDER BY admitted_until LIMIT q.n
    ) AS s
    ORDER BY q.id, s.admitted_until`;

/**
 * SQLite: one read per chunk of rooms (an IN list within the bound-variable limit). A window numbers
 * each room's sessions and the read keeps each room's first; SQLite has no LATERAL, so it visits
 * every active session of the listed rooms through the index before that cut.
 */
const sqliteSessionEndsOf = (db: Kysely<DB>, ids: readonly string[], at: Date, most: number) =>
  db
    .selectFrom(
      db
        .selectFrom('tickets')
        .select((eb) => [
          'queue_id',
          'admitted_until',
          eb.fn
            .agg<number>('row_number')
            .over((ob) => ob.partitionBy('queue_id').orderBy('admitted_until'))
            .as('n'),
        ])
        .where('queue_id', 'in', ids)
        .where('status', '=', ADMITTED)
        .where('admitted_until', '>', at.getTime())
        .as('r'),
    )
    .select(['r.queue_id', 'r.admitted_until'])
    .where('r.n', '<=', most)
    .orderBy('r.queue_id')
    .orderBy('r.admitted_until');

/** The active sessions' ends of several rooms at once (the queue list), each cut to its own limit, earliest first. */
export async function sessionEndsOf(
  db: Kysely<DB>,
  kind: DialectParts['kind'],
  limits: ReadonlyMap<string, number>,
  at: Date,
): Promise<Ends> {
  const out: Ends = new Map();
  const add = (rows: readonly EndRow[]) => {
    for (const r of rows) {
      const list = out.get(r.queue_id) ?? [];
      if (list.length < (limits.get(r.queue_id) ?? 0)) list.push(Number(r.admitted_until));
      out.set(r.queue_id, list);
    }
  };
  if (limits.size === 0) return out;
  if (kind === 'postgres') {
    add((await pgSessionEndsOf(limits, at).execute(db)).rows);
    return out;
  }
  const ids = [...limits.keys()];
  const most = Math.max(0, ...limits.values());
  for (let i = 0; i < ids.length; i += IDS_PER_READ)
    add(await sqliteSessionEndsOf(db, ids.slice(i, i + IDS_PER_READ), at, most).execute());
  return out;
}

/**
 * The sessions' ends a join's quote needs (none unless the queue is a capped room that admits).
 * Read by the join's own transaction, under the queue's row lock it holds. Every admission takes
 * that lock too, so no session opens between the read and the commit; a visitor's renew or end
 * (`setSession`) does not take it and may move one end meanwhile. The range stored as `etaAtJoin`
 * is therefore the one the sessions gave at the read, which the first status read matches unless
 * a session was renewed or ended in between. Waiting rooms never take PostgreSQL's one-statement
 * join, so every join that can need the read has this lock.
 */
export async function withQuoteEnds(trx: Kysely<DB>, queue: Queue, now: number): Promise<Queue> {
  const limit = sessionEndsNeeded(queue);
  return limit === null ? queue : { ...queue, sessionEnds: await sessionEnds(trx, queue.id, new Date(now), limit) };
}

import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import { ENDED, foldTickets, type DayOf } from './fold.js';
import { OUR_TABLES, type DB } from './schema.js';

/** Checks of our own invariants, the same on every engine. */
export async function invariantProblems(db: Kysely<DB>): Promise<string[]> {
  const problems: string[] = [];
  const dups = await db
    .selectFrom('tickets')
    .select(['queue_id', 'number_epoch', 'number', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(['queue_id', 'number_epoch', 'number'])
    .having((eb) => eb.fn.countAll(), '>', 1)
    .limit(20)
    .execute();
  for (const d of dups)
    problems.push(`duplicate ticket number ${d.number} in queue ${d.queue_id} (${Number(d.n)} tickets)`);
  const counts = await db
    .selectFrom('queues')
    .leftJoin('tickets', (j) => j.onRef('tickets.queue_id', '=', 'queues.id').on('tickets.status', '=', 'waiting'))
    .select([
      'queues.id',
      'queues.waiting_count',
      'queues.waiting_high',
      (eb) => eb.fn.count<number>('tickets.id').as('actual'),
      sql<number>`sum(case when tickets.priority = 0 then 1 else 0 end)`.as('actual_high'),
    ])
    .groupBy(['queues.id', 'queues.waiting_count', 'queues.waiting_high'])
    .execute();
  for (const c of counts) {
    if (Number(c.waiting_count) !== Number(c.actual))
      problems.push(`queue ${c.id} records ${c.waiting_count} waiting but has ${c.actual} waiting tickets`);
    if (Number(c.waiting_high) !== Number(c.actual_high ?? 0))
      problems.push(`queue ${c.id} records ${c.waiting_high} waiting with high priority but has ${c.actual_high ?? 0}`);
  }
  return problems;
}

export async function tableCounts(db: Kysely<DB>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of OUR_TABLES) {
    const r = await db
      .selectFrom(t)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    out[t] = Number(r.n);
  }
  return out;
}

export async function deleteExpiredIdempotencyKeys(db: Kysely<DB>, now: Date): Promise<number> {
  const r = await db.deleteFrom('idempotency_keys').where('expires_at', '<=', now.getTime()).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/**
 * Folds tickets that ended before `before` into per-day, per-queue aggregates, then deletes them,
 * in one transaction so no ticket is counted twice or lost. `dayOf` turns an epoch-ms column into
 * 'YYYY-MM-DD' (UTC) in the engine's own dialect.
 */
export async function foldAndDelete(
  db: Kysely<DB>,
  before: Date,
  dayOf: DayOf,
): Promise<{ ticketsRemoved: number; aggregatesWritten: number; idempotencyKeysRemoved: number }> {
  return db.transaction().execute(async (trx) => {
    const cutoff = before.getTime();
    const ended = (eb: ExpressionBuilder<DB, 'tickets'>) =>
      eb.and([eb('status', 'in', ENDED), eb('ended_at', '<', cutoff)]);
    const folded = await foldTickets(trx, ended, dayOf);
    const idem = await trx
      .deleteFrom('idempotency_keys')
      .where('ticket_id', 'in', (eb) => eb.selectFrom('tickets').select('id').where(ended))
      .executeTakeFirst();
    const del = await trx.deleteFrom('tickets').where(ended).executeTakeFirst();
    return {
      ticketsRemoved: Number(del.numDeletedRows),
      aggregatesWritten: folded.groups,
      idempotencyKeysRemoved: Number(idem.numDeletedRows),
    };
  });
}

/** Queue ids per statement, well under SQLite's bound-parameter limit. */
const ID_CHUNK = 500;
const ACTIVE = ['waiting', 'called'];

/**
 * Deletes queues closed before `before` that hold no waiting or called ticket, after folding all
 * their tickets into daily aggregates, in one transaction. The candidates are locked first with a
 * no-op UPDATE (the same row lock joins and transitions take), then checked again for active
 * tickets in a fresh statement: a requeue that committed just before the lock is seen and keeps
 * its queue, and one that comes after waits and then finds the queue gone.
 */
export async function archiveClosedQueues(
  db: Kysely<DB>,
  before: Date,
  dayOf: DayOf,
): Promise<{
  queuesArchived: number;
  queueIds: string[];
  ticketsFolded: number;
  aggregatesWritten: number;
  closedKept: number;
}> {
  return db.transaction().execute(async (trx) => {
    const locked = await trx
      .updateTable('queues')
      .set((eb) => ({ updated_at: eb.ref('updated_at') }))
      .where('status', '=', 'closed')
      .where('closed_at', '<', before.getTime())
      .returning('id')
      .execute();
    const candidates = locked.map((r) => r.id).sort();
    const busy = new Set<string>();
    for (const ids of chunks(candidates)) {
      const rows = await trx
        .selectFrom('tickets')
        .select('queue_id')
        .distinct()
        .where('queue_id', 'in', ids)
        .where('status', 'in', ACTIVE)
        .execute();
      for (const r of rows) busy.add(r.queue_id);
    }
    const queueIds = candidates.filter((id) => !busy.has(id));
    let ticketsFolded = 0;
    let aggregatesWritten = 0;
    for (const ids of chunks(queueIds)) {
      const folded = await foldTickets(
        trx,
        (eb) => eb.and([eb('queue_id', 'in', ids), eb('status', 'in', ENDED)]),
        dayOf,
      );
      ticketsFolded += folded.tickets;
      aggregatesWritten += folded.groups;
      await trx.deleteFrom('idempotency_keys').where('queue_id', 'in', ids).execute();
      await trx.deleteFrom('tickets').where('queue_id', 'in', ids).execute();
      await trx.deleteFrom('queues').where('id', 'in', ids).execute();
    }
    return { queuesArchived: queueIds.length, queueIds, ticketsFolded, aggregatesWritten, closedKept: busy.size };
  });
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += ID_CHUNK) out.push(items.slice(i, i + ID_CHUNK));
  return out;
}

import { sql, type Kysely, type RawBuilder } from 'kysely';
import { OUR_TABLES, type DB } from './schema.js';

/** Checks of our own invariants, the same on every engine. */
export async function invariantProblems(db: Kysely<DB>): Promise<string[]> {
  const problems: string[] = [];
  const dups = await db
    .selectFrom('tickets')
    .select(['queue_id', 'number', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(['queue_id', 'number'])
    .having((eb) => eb.fn.countAll(), '>', 1)
    .limit(20)
    .execute();
  for (const d of dups) problems.push(`duplicate ticket number ${d.number} in queue ${d.queue_id} (${Number(d.n)} tickets)`);
  const counts = await db
    .selectFrom('queues')
    .leftJoin('tickets', (j) => j.onRef('tickets.queue_id', '=', 'queues.id').on('tickets.status', '=', 'waiting'))
    .select(['queues.id', 'queues.waiting_count', (eb) => eb.fn.count<number>('tickets.id').as('actual')])
    .groupBy(['queues.id', 'queues.waiting_count'])
    .execute();
  for (const c of counts)
    if (Number(c.waiting_count) !== Number(c.actual))
      problems.push(`queue ${c.id} records ${c.waiting_count} waiting but has ${c.actual} waiting tickets`);
  return problems;
}

export async function tableCounts(db: Kysely<DB>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of OUR_TABLES) {
    const r = await db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    out[t] = Number(r.n);
  }
  return out;
}

export async function deleteExpiredIdempotencyKeys(db: Kysely<DB>, now: Date): Promise<number> {
  const r = await db.deleteFrom('idempotency_keys').where('expires_at', '<=', now.getTime()).executeTakeFirst();
  return Number(r.numDeletedRows);
}

const ENDED = ['served', 'no_show', 'left', 'expired', 'admitted'];

/**
 * Folds tickets that ended before `before` into per-day, per-queue aggregates, then deletes them,
 * in one transaction so no ticket is counted twice or lost. `dayOf` turns an epoch-ms column into
 * 'YYYY-MM-DD' (UTC) in the engine's own dialect.
 */
export async function foldAndDelete(
  db: Kysely<DB>,
  before: Date,
  dayOf: (column: string) => RawBuilder<string>,
): Promise<{ ticketsRemoved: number; aggregatesWritten: number; idempotencyKeysRemoved: number }> {
  return db.transaction().execute(async (trx) => {
    const cutoff = before.getTime();
    const count = (status: string) => sql<number>`sum(case when status = ${status} then 1 else 0 end)`;
    const groups = await trx
      .selectFrom('tickets')
      .select([
        dayOf('created_at').as('day'),
        'queue_id',
        (eb) => eb.fn.countAll<number>().as('joined'),
        count('served').as('served'),
        count('no_show').as('no_show'),
        count('left').as('left_count'),
        count('expired').as('expired'),
        count('admitted').as('admitted'),
        sql<number>`sum(case when called_at is not null then (called_at - created_at) / 1000.0 else 0 end)`.as('wait_sum'),
        sql<number>`sum(case when called_at is not null then 1 else 0 end)`.as('wait_count'),
        sql<number>`sum(case when status = 'served' and called_at is not null then (ended_at - called_at) / 1000.0 else 0 end)`.as('svc_sum'),
        count('served').as('svc_count'),
      ])
      .where('status', 'in', ENDED)
      .where('ended_at', '<', cutoff)
      .groupBy([dayOf('created_at'), 'queue_id'])
      .execute();
    for (const g of groups) {
      const row = {
        day: String(g.day),
        queue_id: g.queue_id,
        joined: Number(g.joined),
        served: Number(g.served),
        no_show: Number(g.no_show),
        left_count: Number(g.left_count),
        expired: Number(g.expired),
        admitted: Number(g.admitted),
        wait_seconds_sum: Number(g.wait_sum),
        wait_count: Number(g.wait_count),
        service_seconds_sum: Number(g.svc_sum),
        service_count: Number(g.svc_count),
      };
      await trx
        .insertInto('daily_aggregates')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['day', 'queue_id']).doUpdateSet((eb) => ({
            joined: eb('daily_aggregates.joined', '+', row.joined),
            served: eb('daily_aggregates.served', '+', row.served),
            no_show: eb('daily_aggregates.no_show', '+', row.no_show),
            left_count: eb('daily_aggregates.left_count', '+', row.left_count),
            expired: eb('daily_aggregates.expired', '+', row.expired),
            admitted: eb('daily_aggregates.admitted', '+', row.admitted),
            wait_seconds_sum: eb('daily_aggregates.wait_seconds_sum', '+', row.wait_seconds_sum),
            wait_count: eb('daily_aggregates.wait_count', '+', row.wait_count),
            service_seconds_sum: eb('daily_aggregates.service_seconds_sum', '+', row.service_seconds_sum),
            service_count: eb('daily_aggregates.service_count', '+', row.service_count),
          })),
        )
        .execute();
    }
    const idem = await trx
      .deleteFrom('idempotency_keys')
      .where('ticket_id', 'in', (eb) => eb.selectFrom('tickets').select('id').where('status', 'in', ENDED).where('ended_at', '<', cutoff))
      .executeTakeFirst();
    const del = await trx.deleteFrom('tickets').where('status', 'in', ENDED).where('ended_at', '<', cutoff).executeTakeFirst();
    return { ticketsRemoved: Number(del.numDeletedRows), aggregatesWritten: groups.length, idempotencyKeysRemoved: Number(idem.numDeletedRows) };
  });
}

// ---------------------------------------------------------------------------------------------
// Archive of closed queues (weekly systemCleanup). Added; nothing above changed.

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
  dayOf: (column: string) => RawBuilder<string>,
): Promise<{ queuesArchived: number; queueIds: string[]; ticketsFolded: number; aggregatesWritten: number; closedKept: number }> {
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
      const rows = await trx.selectFrom('tickets').select('queue_id').distinct().where('queue_id', 'in', ids).where('status', 'in', ACTIVE).execute();
      for (const r of rows) busy.add(r.queue_id);
    }
    const queueIds = candidates.filter((id) => !busy.has(id));
    let ticketsFolded = 0;
    let aggregatesWritten = 0;
    for (const ids of chunks(queueIds)) {
      const folded = await foldQueues(trx, ids, dayOf);
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

/**
 * The same per-day sums as `foldAndDelete`, over every ended ticket of the given queues whatever
 * its end time. Kept apart from `foldAndDelete` so the daily step's code stays as it is.
 */
async function foldQueues(trx: Kysely<DB>, queueIds: string[], dayOf: (column: string) => RawBuilder<string>): Promise<{ tickets: number; groups: number }> {
  const count = (status: string) => sql<number>`sum(case when status = ${status} then 1 else 0 end)`;
  const groups = await trx
    .selectFrom('tickets')
    .select([
      dayOf('created_at').as('day'),
      'queue_id',
      (eb) => eb.fn.countAll<number>().as('joined'),
      count('served').as('served'),
      count('no_show').as('no_show'),
      count('left').as('left_count'),
      count('expired').as('expired'),
      count('admitted').as('admitted'),
      sql<number>`sum(case when called_at is not null then (called_at - created_at) / 1000.0 else 0 end)`.as('wait_sum'),
      sql<number>`sum(case when called_at is not null then 1 else 0 end)`.as('wait_count'),
      sql<number>`sum(case when status = 'served' and called_at is not null then (ended_at - called_at) / 1000.0 else 0 end)`.as('svc_sum'),
      count('served').as('svc_count'),
    ])
    .where('queue_id', 'in', queueIds)
    .where('status', 'in', ENDED)
    .groupBy([dayOf('created_at'), 'queue_id'])
    .execute();
  let tickets = 0;
  for (const g of groups) {
    tickets += Number(g.joined);
    const row = {
      day: String(g.day),
      queue_id: g.queue_id,
      joined: Number(g.joined),
      served: Number(g.served),
      no_show: Number(g.no_show),
      left_count: Number(g.left_count),
      expired: Number(g.expired),
      admitted: Number(g.admitted),
      wait_seconds_sum: Number(g.wait_sum),
      wait_count: Number(g.wait_count),
      service_seconds_sum: Number(g.svc_sum),
      service_count: Number(g.svc_count),
    };
    await trx
      .insertInto('daily_aggregates')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['day', 'queue_id']).doUpdateSet((eb) => ({
          joined: eb('daily_aggregates.joined', '+', row.joined),
          served: eb('daily_aggregates.served', '+', row.served),
          no_show: eb('daily_aggregates.no_show', '+', row.no_show),
          left_count: eb('daily_aggregates.left_count', '+', row.left_count),
          expired: eb('daily_aggregates.expired', '+', row.expired),
          admitted: eb('daily_aggregates.admitted', '+', row.admitted),
          wait_seconds_sum: eb('daily_aggregates.wait_seconds_sum', '+', row.wait_seconds_sum),
          wait_count: eb('daily_aggregates.wait_count', '+', row.wait_count),
          service_seconds_sum: eb('daily_aggregates.service_seconds_sum', '+', row.service_seconds_sum),
          service_count: eb('daily_aggregates.service_count', '+', row.service_count),
        })),
      )
      .execute();
  }
  return { tickets, groups: groups.length };
}

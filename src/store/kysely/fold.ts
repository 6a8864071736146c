import { sql, type Expression, type ExpressionBuilder, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { DB } from './schema.js';

/** Turns an epoch-ms column into 'YYYY-MM-DD' (UTC) in the engine's own dialect. */
export type DayOf = (column: string) => RawBuilder<string>;

export const ENDED = ['served', 'no_show', 'left', 'expired', 'admitted'];

/**
 * Adds the chosen tickets to the per-day, per-queue aggregates (by the day they joined), so the
 * history outlives the tickets. The caller deletes them in the same transaction.
 */
export async function foldTickets(
  trx: Kysely<DB>,
  which: (eb: ExpressionBuilder<DB, 'tickets'>) => Expression<SqlBool>,
  dayOf: DayOf,
): Promise<{ tickets: number; groups: number }> {
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
      sql<number>`sum(case when called_at is not null then (called_at - created_at) / 1000.0 else 0 end)`.as(
        'wait_sum',
      ),
      sql<number>`sum(case when called_at is not null then 1 else 0 end)`.as('wait_count'),
      sql<number>`sum(case when status = 'served' and called_at is not null then (ended_at - called_at) / 1000.0 else 0 end)`.as(
        'svc_sum',
      ),
    ])
    .where(which)
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
      service_count: Number(g.served),
    };
    const { day: _d, queue_id: _q, ...sums } = row;
    await trx
      .insertInto('daily_aggregates')
      .values(row)
      .onConflict((oc) =>
        oc
          .columns(['day', 'queue_id'])
          .doUpdateSet((eb) =>
            Object.fromEntries(
              Object.entries(sums).map(([k, v]) => [k, eb(`daily_aggregates.${k as keyof typeof sums}`, '+', v)]),
            ),
          ),
      )
      .execute();
  }
  return { tickets, groups: groups.length };
}

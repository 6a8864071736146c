import { sql, type Kysely } from 'kysely';

/**
 * Queues count their waiting high-priority tickets beside the total, in the transaction that
 * changes them, so a join's position is exact at commit without asking the live index (which other
 * nodes may not have caught up with). Existing queues are counted once here.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('queues')
    .addColumn('waiting_high', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`UPDATE queues SET waiting_high = (
    SELECT count(*) FROM tickets WHERE tickets.queue_id = queues.id AND tickets.status = 'waiting' AND tickets.priority = 0
  )`.execute(db);
}

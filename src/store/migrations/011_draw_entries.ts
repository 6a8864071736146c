import type { Kysely } from 'kysely';

/**
 * A random draw's outcome, kept as it was made: who took part and in which order. Anyone can then
 * recompute the order from the published seed and check it, long after the tickets moved on.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('draw_entries')
    .addColumn('queue_id', 'varchar(64)', (c) => c.notNull().references('queues.id').onDelete('cascade'))
    .addColumn('rank', 'integer', (c) => c.notNull())
    .addColumn('ticket_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('draw_entries_pk', ['queue_id', 'rank'])
    .execute();
}

import type { Kysely } from 'kysely';

/**
 * Ticket numbers that restart each local day (`settings.numbering: "daily"`, docs/api.md). A queue
 * counts its numbering cycles (`number_epoch`) and keeps the instant its current cycle ends
 * (`number_resets_at`, null for continuous numbering); each ticket keeps the cycle it was numbered
 * in, so a number is unique per queue and cycle rather than per queue.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('queues')
    .addColumn('number_epoch', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('queues').addColumn('number_resets_at', 'bigint').execute();
  await db.schema
    .alterTable('tickets')
    .addColumn('number_epoch', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  // Same name, so integrity checks and reindexing keep finding it.
  await db.schema.dropIndex('tickets_queue_number_uq').execute();
  await db.schema
    .createIndex('tickets_queue_number_uq')
    .on('tickets')
    .columns(['queue_id', 'number_epoch', 'number'])
    .unique()
    .execute();
}

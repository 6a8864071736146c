import type { Kysely } from 'kysely';

/**
 * Every ticket keeps the wait range it was quoted at join, so the estimate's coverage can be
 * measured against the real wait; queues keep the calibration that follows from it (eta.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // bigint: a waiting room's quote includes the time until it opens, which can pass 2^31 seconds.
  await db.schema.alterTable('tickets').addColumn('eta_low', 'bigint').execute();
  await db.schema.alterTable('tickets').addColumn('eta_high', 'bigint').execute();
  await db.schema.alterTable('queues').addColumn('eta_scale', 'double precision').execute();
  await db.schema.alterTable('queues').addColumn('eta_window', 'varchar(200)').execute();
  // Reports read a queue's tickets by the time they were called.
  await db.schema.createIndex('tickets_queue_called').on('tickets').columns(['queue_id', 'called_at']).execute();
}

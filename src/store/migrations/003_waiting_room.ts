import type { Kysely } from 'kysely';

/**
 * Waiting rooms: when an admitted session ends and when a waiting visitor was last seen, on the
 * ticket; per queue the admission bucket and the random draw; the pass signing keys.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('tickets').addColumn('admitted_until', 'bigint').execute();
  await db.schema.alterTable('tickets').addColumn('seen_at', 'bigint').execute();
  await db.schema
    .createTable('waiting_rooms')
    .addColumn('queue_id', 'varchar(64)', (c) => c.primaryKey().references('queues.id').onDelete('cascade'))
    .addColumn('next_admit_at', 'bigint')
    .addColumn('sealed_seed', 'text')
    .addColumn('commitment', 'varchar(64)')
    .addColumn('seed', 'varchar(64)')
    .addColumn('drawn_at', 'bigint')
    .addColumn('drawn_count', 'integer')
    .execute();
  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('generation', 'bigint', (c) => c.notNull())
    .addColumn('seal_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('sealed_private', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('retires_at', 'bigint', (c) => c.notNull())
    .addColumn('published_until', 'bigint', (c) => c.notNull())
    .execute();
  // One key per period and seal key: a database restored without its seal key makes new ones.
  await db.schema
    .createIndex('signing_keys_generation_seal_uq')
    .on('signing_keys')
    .columns(['generation', 'seal_id'])
    .unique()
    .execute();
}

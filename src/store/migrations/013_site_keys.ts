import type { Kysely } from 'kysely';

/**
 * A `site` key belongs to one waiting room: the protected site holds it to end its own visitors'
 * sessions. The other roles leave the column null.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('api_keys').addColumn('queue_id', 'varchar(64)').execute();
}

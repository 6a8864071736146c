import { sql, type Kysely } from 'kysely';

/**
 * The display board lists calls by their latest announcement: a recall brings a ticket back to
 * the top of "now serving". The partial index of called tickets is rebuilt on that order.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('tickets_now_serving').execute();
  await db.schema
    .createIndex('tickets_now_serving')
    .on('tickets')
    .columns(['queue_id'])
    .expression(sql`coalesce(recalled_at, called_at)`)
    .where(sql.ref('status'), '=', sql.lit('called'))
    .execute();
}

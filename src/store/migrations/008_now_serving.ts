import { sql, type Kysely } from 'kysely';

/**
 * The display board's "now serving": a queue's called tickets, newest call first. A partial index
 * holds only the tickets being called, so the read touches as many entries as it returns however
 * many served tickets share the queue.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('tickets_now_serving')
    .on('tickets')
    .columns(['queue_id', 'called_at'])
    .where(sql.ref('status'), '=', sql.lit('called'))
    .execute();
}

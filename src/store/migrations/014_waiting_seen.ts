import { sql, type Kysely } from 'kysely';

/**
 * Idle expiry in waiting rooms: the waiting tickets of a queue by when they were last seen. Only
 * waiting tickets are held, so the sweep every admission round reads the idle ones and stops at
 * its limit, instead of filtering the whole line. IF NOT EXISTS: an operator may build it beforehand
 * with CREATE INDEX CONCURRENTLY (see 017).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('tickets_waiting_seen')
    .ifNotExists()
    .on('tickets')
    .columns(['queue_id'])
    .expression(sql`coalesce(seen_at, created_at)`)
    .where(sql.ref('status'), '=', sql.lit('waiting'))
    .execute();
}

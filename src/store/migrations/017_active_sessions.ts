import { sql, type Kysely } from 'kysely';

/**
 * A capped room's quotes read when its active sessions end, earliest first, and a join batch does
 * it under the queue's lock. Admitted tickets by queue and session end serve that read from the
 * first active session on, instead of every admission the room ever made; waiting tickets (the
 * joins' inserts) stay out of the index.
 *
 * On PostgreSQL the migrations run in one transaction, where a plain CREATE INDEX holds a lock that
 * blocks every write to tickets (joins, calls, admissions) until the index is built. IF NOT EXISTS
 * lets an operator with a large tickets table build the same index first with CREATE INDEX
 * CONCURRENTLY, which takes no such lock (docs/cli.md, "Upgrading"); the migration then finds it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('tickets_admitted_until')
    .ifNotExists()
    .on('tickets')
    .columns(['queue_id', 'admitted_until'])
    .where(sql.ref('status'), '=', sql.lit('admitted'))
    .execute();
}

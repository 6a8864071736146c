import { sql, type Kysely } from 'kysely';

/**
 * The dispatcher claims each webhook's due deliveries in the order they fell due. Pending rows by
 * webhook, due time and id serve that order straight from the index, so a claim reads about as
 * many rows as it leases instead of sorting the whole backlog; delivered and failed rows stay out.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('webhook_deliveries_lane_due')
    .on('webhook_deliveries')
    .columns(['webhook_id', 'next_attempt_at', 'id'])
    .where(sql.ref('status'), '=', sql.lit('pending'))
    .execute();
}

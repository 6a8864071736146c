import { sql, type Insertable, type Kysely } from 'kysely';
import type { DB, TicketsTable } from '../kysely/schema.js';

/**
 * One INSERT whose text is the same for any number of rows: the columns travel as arrays and
 * `unnest` turns them back into rows. A multi-row VALUES list is a new text for every batch size,
 * which PostgreSQL must parse and plan again; this one is prepared once per connection.
 */
export async function insertTicketsUnnest(db: Kysely<DB>, rows: readonly Insertable<TicketsTable>[]): Promise<void> {
  if (rows.length === 0) return;
  const col = <K extends keyof TicketsTable>(k: K): unknown[] => rows.map((r) => r[k] ?? null);
  await sql`INSERT INTO tickets (id, queue_id, number, status, priority, seq, token_hash, name, contact, metadata, counter, created_at, called_at, ended_at, updated_at, eta_low, eta_high, number_epoch, lang)
    SELECT * FROM unnest(${col('id')}::varchar[], ${col('queue_id')}::varchar[], ${col('number')}::bigint[], ${col('status')}::varchar[],
      ${col('priority')}::smallint[], ${col('seq')}::bigint[], ${col('token_hash')}::varchar[], ${col('name')}::varchar[], ${col('contact')}::varchar[],
      ${col('metadata')}::text[], ${col('counter')}::varchar[], ${col('created_at')}::bigint[], ${col('called_at')}::bigint[], ${col('ended_at')}::bigint[],
      ${col('updated_at')}::bigint[], ${col('eta_low')}::bigint[], ${col('eta_high')}::bigint[],
      ${col('number_epoch')}::bigint[], ${col('lang')}::varchar[])`.execute(db);
}

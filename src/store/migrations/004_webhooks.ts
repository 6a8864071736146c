import type { Kysely } from 'kysely';
import type { DialectKind } from './index.js';

/**
 * Webhooks and their outbox. A ticket change writes one delivery row per subscribed webhook in the
 * change's own transaction, so an event exists exactly when its change committed; any node then
 * claims and sends it.
 */
export async function up(db: Kysely<unknown>, kind: DialectKind): Promise<void> {
  await db.schema
    .createTable('webhooks')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('url', 'varchar(2000)', (c) => c.notNull())
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('secret', 'varchar(200)', (c) => c.notNull())
    .addColumn('include_contact', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('webhook_deliveries')
    // bigint on PostgreSQL: the outbox takes a row per event and webhook, and an int4 id would run
    // out (and fail every join) after 2^31 of them. SQLite's integer is 64-bit already.
    .addColumn('id', kind === 'sqlite' ? 'integer' : 'bigint', (c) =>
      kind === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity(),
    )
    .addColumn('webhook_id', 'varchar(64)', (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
    .addColumn('ticket_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('queue_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('type', 'varchar(32)', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_until', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_owner', 'varchar(128)')
    .addColumn('response_status', 'integer')
    .addColumn('error', 'varchar(500)')
    .addColumn('latency_ms', 'double precision')
    .addColumn('last_attempt_at', 'bigint')
    .addColumn('delivered_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_due')
    .on('webhook_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_ticket_order')
    .on('webhook_deliveries')
    .columns(['webhook_id', 'ticket_id', 'id'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_ticket')
    .on('webhook_deliveries')
    .columns(['ticket_id', 'type'])
    .execute();
}

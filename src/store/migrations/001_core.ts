import type { Kysely } from 'kysely';
import type { DialectKind } from './index.js';

/** The first schema: queues, tickets, keys, maintenance runs and metric samples. */
export async function up(db: Kysely<unknown>, kind: DialectKind): Promise<void> {
  await db.schema
    .createTable('queues')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('mode', 'varchar(16)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('capacity', 'integer')
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('waiting_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_number', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('last_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('service_ewma', 'double precision')
    .addColumn('service_var', 'double precision')
    .addColumn('last_completed_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('closed_at', 'bigint')
    .execute();

  await db.schema
    .createTable('tickets')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('queue_id', 'varchar(64)', (c) => c.notNull().references('queues.id').onDelete('cascade'))
    .addColumn('number', 'bigint', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('priority', 'smallint', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('name', 'varchar(200)')
    .addColumn('contact', 'varchar(320)')
    .addColumn('metadata', 'text')
    .addColumn('counter', 'varchar(64)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('called_at', 'bigint')
    .addColumn('ended_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('tickets_queue_number_uq')
    .on('tickets')
    .columns(['queue_id', 'number'])
    .unique()
    .execute();
  await db.schema
    .createIndex('tickets_waiting_order')
    .on('tickets')
    .columns(['queue_id', 'status', 'priority', 'seq'])
    .execute();
  await db.schema.createIndex('tickets_ended').on('tickets').columns(['status', 'ended_at']).execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('queue_id', 'varchar(64)', (c) => c.notNull().references('queues.id').onDelete('cascade'))
    .addColumn('key', 'varchar(200)', (c) => c.notNull())
    .addColumn('ticket_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('sealed_token', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['queue_id', 'key'])
    .execute();
  await db.schema.createIndex('idempotency_keys_expiry').on('idempotency_keys').column('expires_at').execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('role', 'varchar(16)', (c) => c.notNull())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('key_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute();

  await db.schema
    .createTable('meta')
    .addColumn('key', 'varchar(100)', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('scheduled_tasks')
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    .addColumn('schedule', 'varchar(200)')
    .addColumn('timezone', 'varchar(64)', (c) => c.notNull())
    .addColumn('priority', 'varchar(16)', (c) => c.notNull())
    .addColumn('enabled', 'smallint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_run', 'bigint')
    .addColumn('next_run', 'bigint')
    .execute();

  await db.schema
    .createTable('maintenance_slots')
    .addColumn('plan', 'varchar(64)', (c) => c.notNull())
    .addColumn('slot', 'bigint', (c) => c.notNull())
    .addColumn('outcome', 'varchar(32)', (c) => c.notNull())
    .addColumn('run_id', 'varchar(64)')
    .addColumn('node_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('claimed_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('maintenance_slots_pk', ['plan', 'slot'])
    .execute();

  await db.schema
    .createTable('maintenance_runs')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('plan', 'varchar(64)', (c) => c.notNull())
    .addColumn('trigger', 'varchar(16)', (c) => c.notNull())
    .addColumn('scheduled_for', 'bigint')
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('success', 'smallint', (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('node_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('maintenance_runs_plan_started')
    .on('maintenance_runs')
    .columns(['plan', 'started_at'])
    .execute();
  await db.schema.createIndex('maintenance_runs_started').on('maintenance_runs').column('started_at').execute();

  await db.schema
    .createTable('metric_samples')
    .addColumn('id', 'integer', (c) =>
      kind === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity(),
    )
    .addColumn('node_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('requests', 'integer', (c) => c.notNull())
    .addColumn('errors', 'integer', (c) => c.notNull())
    .addColumn('avg_ms', 'double precision')
    .addColumn('p95_ms', 'double precision')
    .addColumn('p99_ms', 'double precision')
    .addColumn('cpu_percent', 'double precision', (c) => c.notNull())
    .addColumn('memory_percent', 'double precision', (c) => c.notNull())
    .addColumn('loop_lag_p99_ms', 'double precision', (c) => c.notNull())
    .addColumn('waiting_total', 'integer', (c) => c.notNull())
    .addColumn('routes', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('metric_samples_at').on('metric_samples').column('at').execute();

  await db.schema
    .createTable('daily_aggregates')
    .addColumn('day', 'varchar(10)', (c) => c.notNull())
    .addColumn('queue_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('joined', 'integer', (c) => c.notNull())
    .addColumn('served', 'integer', (c) => c.notNull())
    .addColumn('no_show', 'integer', (c) => c.notNull())
    .addColumn('left_count', 'integer', (c) => c.notNull())
    .addColumn('expired', 'integer', (c) => c.notNull())
    .addColumn('admitted', 'integer', (c) => c.notNull())
    .addColumn('wait_seconds_sum', 'double precision', (c) => c.notNull())
    .addColumn('wait_count', 'integer', (c) => c.notNull())
    .addColumn('service_seconds_sum', 'double precision', (c) => c.notNull())
    .addColumn('service_count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('daily_aggregates_pk', ['day', 'queue_id'])
    .execute();
}

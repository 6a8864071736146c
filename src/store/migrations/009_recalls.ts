import type { Kysely } from 'kysely';

/**
 * A recall announces a called ticket again. The first call stays in `called_at` (waits and the
 * estimate's accuracy are measured to it); the recalls are counted beside it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('tickets')
    .addColumn('recalls', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('tickets').addColumn('recalled_at', 'bigint').execute();
}

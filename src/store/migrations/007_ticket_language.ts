import type { Kysely } from 'kysely';

/** The language a customer joined in (en, es, ar): their emails are written in it. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('tickets').addColumn('lang', 'varchar(8)').execute();
}

import { sql, type Kysely } from 'kysely';
import type { DialectKind } from './index.js';

/**
 * Each queue carries a tag that changes whenever the set of webhooks changes, so a node can keep
 * that set in memory and still know, from the queue row its transaction has locked anyway, when
 * to read it again (src/store/kysely/hook-sets.ts). Random, so that two databases never share one.
 */
export async function up(db: Kysely<unknown>, kind: DialectKind): Promise<void> {
  await db.schema.alterTable('queues').addColumn('hooks_tag', 'varchar(64)').execute();
  const random = kind === 'postgres' ? sql`md5(random()::text || id)` : sql`lower(hex(randomblob(16)))`;
  await sql`UPDATE queues SET hooks_tag = ${random}`.execute(db);
}

import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { sealToken } from '../../domain/tokens.js';
import { SEAL_KEY_META } from '../dump-contract.js';

/**
 * Webhook signing secrets are stored sealed (AES-256-GCM) under the database's seal key, as the
 * pass signing keys and draw seeds are, so that neither the database nor a backup holds them in
 * clear. The seal key is made here when the database has none yet, exactly as a first start would
 * make it, and every existing secret is sealed under it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('webhooks').renameColumn('secret', 'sealed_secret').execute();
  await sql`INSERT INTO meta (key, value) VALUES (${SEAL_KEY_META}, ${randomBytes(32).toString('hex')})
    ON CONFLICT (key) DO NOTHING`.execute(db);
  const found = await sql<{ value: string }>`SELECT value FROM meta WHERE key = ${SEAL_KEY_META}`.execute(db);
  const key = Buffer.from(found.rows[0]?.value ?? '', 'hex');
  const hooks = await sql<{ id: string; sealed_secret: string }>`SELECT id, sealed_secret FROM webhooks`.execute(db);
  // The email channel's row has no secret: it signs nothing.
  for (const h of hooks.rows.filter((r) => r.sealed_secret !== ''))
    await sql`UPDATE webhooks SET sealed_secret = ${sealToken(h.sealed_secret, key)} WHERE id = ${h.id}`.execute(db);
}

import type { Kysely } from 'kysely';
import type { ApiKey, ApiKeyRecord, KeyRole } from '../../domain/types.js';
import { toKey } from './rows.js';
import type { DB } from './schema.js';

export async function createKey(
  db: Kysely<DB>,
  k: { id: string; role: KeyRole; name: string; keyHash: string; queueId?: string | null },
  at: Date,
): Promise<ApiKey> {
  const row = {
    id: k.id,
    role: k.role,
    name: k.name,
    key_hash: k.keyHash,
    created_at: at.getTime(),
    last_used_at: null,
    queue_id: k.queueId ?? null,
  };
  await db.insertInto('api_keys').values(row).execute();
  const { keyHash: _hidden, ...key } = toKey(row);
  return key;
}

export async function listKeys(db: Kysely<DB>): Promise<ApiKey[]> {
  const rows = await db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => {
    const { keyHash: _hidden, ...key } = toKey(r);
    return key;
  });
}

export async function findKeyByHash(db: Kysely<DB>, keyHash: string): Promise<ApiKeyRecord | null> {
  const row = await db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
  return row ? toKey(row) : null;
}

export async function deleteKey(db: Kysely<DB>, id: string): Promise<boolean> {
  const r = await db.deleteFrom('api_keys').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function touchKey(db: Kysely<DB>, id: string, at: Date): Promise<void> {
  await db.updateTable('api_keys').set({ last_used_at: at.getTime() }).where('id', '=', id).execute();
}

export async function getMeta(db: Kysely<DB>, key: string): Promise<string | null> {
  const row = await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value ?? null;
}

export async function initMeta(db: Kysely<DB>, key: string, value: string): Promise<string> {
  await db
    .insertInto('meta')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  return (await getMeta(db, key)) ?? value;
}

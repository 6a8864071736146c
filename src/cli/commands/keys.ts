import { loadConfig } from '../../config/index.js';
import { issueApiKey } from '../../domain/keys.js';
import { KEY_ROLES } from '../../domain/types.js';
import { openStore } from '../../store/open.js';
import { emit, UsageError } from '../output.js';

/** `queuekeeper keys create`: writes a key straight into the database (no server needed). */
export async function keysCreate(opts: {
  role: string;
  name: string;
  queueId: string | null;
  json: boolean;
}): Promise<void> {
  const role = KEY_ROLES.find((r) => r === opts.role);
  if (role === undefined) throw new UsageError('--role must be admin, operator or site');
  if (role === 'site' && opts.queueId === null)
    throw new UsageError('a site key needs --queue <id>, the waiting room it belongs to');
  if (role !== 'site' && opts.queueId !== null) throw new UsageError('--queue is only for site keys');
  if (opts.name.length === 0 || opts.name.length > 200) throw new UsageError('--name must be 1-200 characters');
  const store = openStore(loadConfig().database);
  try {
    await store.migrate();
    const { record: k, key } = await issueApiKey(store, { role, name: opts.name, queueId: opts.queueId }, new Date());
    emit(
      opts.json,
      { id: k.id, role: k.role, name: k.name, queueId: k.queueId, key, createdAt: k.createdAt.toISOString() },
      () => `Created ${k.role} key "${k.name}" (${k.id})${k.queueId ? ` for ${k.queueId}` : ''}. Shown once:\n  ${key}`,
    );
  } finally {
    await store.close();
  }
}

/** `queuekeeper migrate`: applies pending migrations and reports the schema version. */
export async function migrate(json: boolean): Promise<void> {
  const store = openStore(loadConfig().database);
  try {
    const { applied } = await store.migrate();
    const version = await store.schemaVersion();
    emit(json, { applied, schemaVersion: version, database: store.kind }, () =>
      applied.length > 0
        ? `Applied ${applied.join(', ')}; schema version ${version}.`
        : `Schema is up to date (version ${version}).`,
    );
  } finally {
    await store.close();
  }
}

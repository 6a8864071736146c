import type { DatabaseConfig } from '../config/index.js';
import type { Store } from './contract.js';
import { KyselyStore } from './kysely/store.js';
import { openPostgres } from './postgres/connect.js';
import { openSqlite } from './sqlite/connect.js';

/** Opens the configured store. The only place that picks a driver. */
export function openStore(db: DatabaseConfig, opts: { poolSize?: number } = {}): Store {
  if (db.kind === 'sqlite') return new KyselyStore(openSqlite(db.path));
  return new KyselyStore(
    openPostgres({ url: db.url, schema: db.schema, ...(opts.poolSize ? { poolSize: opts.poolSize } : {}) }),
  );
}

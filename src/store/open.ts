import type { DatabaseConfig } from '../config/index.js';
import type { Store } from './contract.js';
import { KyselyStore } from './kysely/store.js';
import { openPostgres } from './postgres/connect.js';
import { openSqlite } from './sqlite/connect.js';

export interface OpenStoreOptions {
  /** PostgreSQL: clients of the request pool. */
  poolSize?: number;
  /** PostgreSQL: the deadline of background work (maintenance, migrations, index rebuilds). */
  backgroundTimeoutMs?: number;
  /** SQLite: told when the connection's statement cache passes a new size (see sqlite/statements.ts). */
  onStatementGrowth?: (count: number) => void;
}

/** Opens the configured store. The only place that picks a driver. */
export function openStore(db: DatabaseConfig, opts: OpenStoreOptions = {}): Store {
  if (db.kind === 'sqlite')
    return new KyselyStore(
      openSqlite(db.path, opts.onStatementGrowth ? { onStatementGrowth: opts.onStatementGrowth } : {}),
    );
  const { poolSize, backgroundTimeoutMs } = opts;
  return new KyselyStore(
    openPostgres({
      url: db.url,
      schema: db.schema,
      ...(poolSize ? { poolSize } : {}),
      ...(backgroundTimeoutMs ? { backgroundTimeoutMs } : {}),
    }),
  );
}

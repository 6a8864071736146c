import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { DialectParts } from '../kysely/dialect.js';
import type { DB } from '../kysely/schema.js';
import { createSqliteAdmin } from './admin.js';
import { isSqliteTransient, isSqliteUnavailable } from './errors.js';
import { cacheStatements, pragmaValue } from './statements.js';

/**
 * Opens the embedded database. `auto_vacuum` must be set before the first switch to WAL: set
 * afterwards it silently stays off, and incremental vacuum then reclaims nothing.
 */
export function openSqlite(path: string): DialectParts & { raw: Database.Database } {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const raw = new Database(path);
  // Customers' names and contacts live here: owner-only, like the backups. SQLite gives the WAL and
  // shared-memory files the database file's mode.
  if (path !== ':memory:') for (const f of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
  cacheStatements(raw);
  raw.exec('PRAGMA busy_timeout = 5000');
  if (pragmaValue(raw, 'journal_mode') !== 'wal') {
    raw.exec('PRAGMA auto_vacuum = INCREMENTAL');
    raw.exec('VACUUM');
    raw.exec('PRAGMA journal_mode = WAL');
  }
  // NORMAL in WAL mode survives a process crash (kill -9): the commit is in the WAL file before
  // the call returns. Only an OS crash or power loss could drop the last transactions.
  raw.exec('PRAGMA synchronous = NORMAL');
  raw.exec('PRAGMA foreign_keys = ON');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: raw }) });
  return {
    kind: 'sqlite',
    db,
    raw,
    prepare: async () => undefined,
    isUnavailable: isSqliteUnavailable,
    isTransient: isSqliteTransient,
    ping: async () => {
      raw.prepare('SELECT 1').get();
    },
    readDirect: <T>(sql: string, params: readonly unknown[]) =>
      raw.inTransaction ? undefined : (raw.prepare(sql).all(...params) as T[]),
    admin: (k) => createSqliteAdmin(k, raw),
    close: async () => {
      await db.destroy();
      // Kysely closes the file only if it ever opened a connection; ping may have used it directly.
      if (raw.open) raw.close();
    },
  };
}

import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { DialectParts } from '../kysely/dialect.js';
import type { DB } from '../kysely/schema.js';
import { createSqliteAdmin } from './admin.js';
import { openDatabase } from './driver.js';
import { isSqliteTransient, isSqliteUnavailable } from './errors.js';
import { pragmaValue, Statements } from './statements.js';

/**
 * How long one statement waits for another process's write lock (a CLI run, a restore). The
 * driver is synchronous, so the whole node waits with it: kept short, and the store's retries
 * (with backoff, during which other requests run) add the rest before answering 503.
 */
const BUSY_TIMEOUT_MS = 250;

export interface SqliteOptions {
  /** Told the statement count each time the connection's statement cache passes a new size. */
  onStatementGrowth?: (count: number) => void;
}

/**
 * Opens the embedded database. `auto_vacuum` must be set before the first switch to WAL: set
 * afterwards it silently stays off, and incremental vacuum then reclaims nothing.
 */
export function openSqlite(
  path: string,
  opts: SqliteOptions = {},
): DialectParts & { raw: Database.Database; statements: Statements } {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const raw = openDatabase(path);
  // Customers' names and contacts live here: owner-only, like the backups. SQLite gives the WAL and
  // shared-memory files the database file's mode.
  if (path !== ':memory:') for (const f of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
  const statements = new Statements(raw, opts.onStatementGrowth);
  raw.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  if (pragmaValue(statements, 'journal_mode') !== 'wal') {
    raw.exec('PRAGMA auto_vacuum = INCREMENTAL');
    raw.exec('VACUUM');
    raw.exec('PRAGMA journal_mode = WAL');
  }
  // NORMAL in WAL mode survives a process crash (kill -9): the commit is in the WAL file before
  // the call returns. Only an OS crash or power loss could drop the last transactions.
  raw.exec('PRAGMA synchronous = NORMAL');
  raw.exec('PRAGMA foreign_keys = ON');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: statements.forKysely() }) });
  return {
    kind: 'sqlite',
    db,
    background: db,
    raw,
    statements,
    prepare: async () => undefined,
    isUnavailable: isSqliteUnavailable,
    isTransient: isSqliteTransient,
    ping: async () => {
      statements.get('SELECT 1').get();
    },
    readDirect: <T>(sql: string, params: readonly unknown[]) =>
      raw.inTransaction ? undefined : (statements.get(sql).all(...params) as T[]),
    admin: (k) => createSqliteAdmin(k, raw, statements),
    close: async () => {
      await db.destroy();
      // Kysely closes the file only if it ever opened a connection; ping may have used it directly.
      if (raw.open) raw.close();
    },
  };
}

import type Database from 'better-sqlite3';

const STATEMENT_CACHE = 4096;

/**
 * Prepares each SQL text once for the life of the connection. Kysely prepares every query afresh,
 * and preparing costs more than running a small query. Keeping statements also keeps them from
 * being garbage collected: with better-sqlite3 12 on Node 24, a statement finalized by the garbage
 * collector can abort the process (an upstream defect), so statements here live until close.
 * `pragma()` bypasses `prepare`, which is why reads go through `pragmaValue`/`pragmaRows` and
 * settings through `exec`.
 */
export function cacheStatements(raw: Database.Database): void {
  const cache = new Map<string, Database.Statement>();
  const prepare = raw.prepare.bind(raw);
  raw.prepare = ((sql: string) => {
    let stmt = cache.get(sql);
    if (!stmt) {
      stmt = prepare(sql);
      // Past the bound (IN-lists of many lengths), new texts are prepared but not kept.
      if (cache.size < STATEMENT_CACHE) cache.set(sql, stmt);
    }
    return stmt;
  }) as Database.Database['prepare'];
}

/** Runs a pragma through the statement cache; one that returns nothing gives an empty list. */
export function pragmaRows<T>(raw: Database.Database, text: string): T[] {
  const stmt = raw.prepare(`PRAGMA ${text}`);
  if (!stmt.reader) {
    stmt.run();
    return [];
  }
  return stmt.pluck(false).all() as T[];
}

/** The first column of a pragma's first row. */
export function pragmaValue(raw: Database.Database, text: string): unknown {
  const row = pragmaRows<Record<string, unknown>>(raw, text)[0];
  return row === undefined ? undefined : Object.values(row)[0];
}

import type Database from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';
import { prepareKept } from './driver.js';

/** The first count at which a growing cache is reported; then at every doubling. */
const REPORT_FROM = 4096;

/**
 * Every statement of one connection, prepared once per SQL text and kept until the connection
 * closes. Kysely would prepare each query afresh, and preparing costs more than running a small
 * query. (No statement is ever left for the garbage collector either: see `prepareKept`.) The
 * texts are bounded by the product's query shapes and batch sizes; `onGrowth` reports a cache past
 * 4096 statements (and each doubling), which would mean texts built from data.
 *
 * Cached statements are shared: nobody may switch their mode (`pluck`, `raw`, `expand`).
 * `pragma()` prepares a statement of its own, so pragmas go through `pragmaRows`/`pragmaValue`
 * and settings through `exec`.
 */
export class Statements {
  private readonly kept = new Map<string, Database.Statement>();
  private reportAt = REPORT_FROM;

  constructor(
    private readonly raw: Database.Database,
    private readonly onGrowth?: (count: number) => void,
  ) {}

  get(sql: string): Database.Statement {
    let stmt = this.kept.get(sql);
    if (stmt === undefined) {
      stmt = prepareKept(this.raw, sql);
      this.kept.set(sql, stmt);
      if (this.kept.size >= this.reportAt) {
        this.reportAt *= 2;
        this.onGrowth?.(this.kept.size);
      }
    }
    return stmt;
  }

  get size(): number {
    return this.kept.size;
  }

  /** The connection as Kysely's SQLite driver sees it: its queries are served from this cache. */
  forKysely(): SqliteDatabase {
    return {
      prepare: (sql: string) => this.get(sql),
      close: () => this.raw.close(),
    };
  }
}

/** Runs a pragma; one that returns nothing gives an empty list. */
export function pragmaRows<T>(stmts: Statements, text: string): T[] {
  const stmt = stmts.get(`PRAGMA ${text}`);
  if (!stmt.reader) {
    stmt.run();
    return [];
  }
  return stmt.all() as T[];
}

/** The first column of a pragma's first row. */
export function pragmaValue(stmts: Statements, text: string): unknown {
  const row = pragmaRows<Record<string, unknown>>(stmts, text)[0];
  return row === undefined ? undefined : Object.values(row)[0];
}

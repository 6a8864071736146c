import { sql, type Kysely } from 'kysely';
import type { SlowQueriesResult } from '../admin-contract.js';
import type { DB } from './schema.js';

/** Performance readings for the weekly and monthly reviews, one implementation per engine. */

const QUERY_TEXT_MAX = 300;

/** SQLite keeps no per-statement statistics: there is nothing to read, which is not a fault. */
export async function sqliteSlowQueries(): Promise<SlowQueriesResult> {
  return { available: false, reason: 'not applicable: SQLite keeps no per-statement statistics', rows: [] };
}

/**
 * The slowest statements by mean time from pg_stat_statements, this database only. "Not
 * available" (never an error) when the extension is not installed here or not preloaded; the
 * reason says which, since the fixes differ.
 */
export async function postgresSlowQueries(db: Kysely<DB>, limit: number, minCalls: number): Promise<SlowQueriesResult> {
  // The store's search_path is its own schema only, so the view is named by the extension's schema.
  const ext = await sql<{ schema: string }>`
    SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'pg_stat_statements'`.execute(db);
  const extSchema = ext.rows[0]?.schema;
  if (extSchema === undefined) {
    return {
      available: false,
      reason:
        'not available: the pg_stat_statements extension is not installed in this database (shared_preload_libraries = pg_stat_statements, then CREATE EXTENSION pg_stat_statements)',
      rows: [],
    };
  }
  const version = await sql<{ v: number }>`SELECT current_setting('server_version_num')::int AS v`.execute(db);
  // PostgreSQL 13 renamed mean_time/total_time to mean_exec_time/total_exec_time.
  const [mean, total] =
    Number(version.rows[0]?.v ?? 0) >= 130000 ? ['mean_exec_time', 'total_exec_time'] : ['mean_time', 'total_time'];
  try {
    const r = await sql<{ query: string; calls: number; mean_ms: number; total_ms: number; rows: number }>`
      SELECT query, calls, ${sql.ref(mean)} AS mean_ms, ${sql.ref(total)} AS total_ms, rows
      FROM ${sql.id(extSchema, 'pg_stat_statements')}
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND calls >= ${minCalls}
      ORDER BY ${sql.ref(mean)} DESC LIMIT ${limit}`.execute(db);
    return {
      available: true,
      rows: r.rows.map((x) => ({
        query: x.query.length > QUERY_TEXT_MAX ? `${x.query.slice(0, QUERY_TEXT_MAX)}…` : x.query,
        calls: Number(x.calls),
        meanMs: Math.round(Number(x.mean_ms) * 100) / 100,
        totalMs: Math.round(Number(x.total_ms)),
        rows: Number(x.rows),
      })),
    };
  } catch (e) {
    // Installed but not preloaded: the view exists and every read of it fails.
    return { available: false, reason: `not available: ${(e as Error).message}`, rows: [] };
  }
}

/** Tickets still in the database by the UTC day they were created (ended ones are folded later). */
export async function ticketsCreatedPerDay(
  db: Kysely<DB>,
  kind: 'sqlite' | 'postgres',
  since: Date,
): Promise<{ day: string; count: number }[]> {
  const day =
    kind === 'sqlite'
      ? sql<string>`strftime('%Y-%m-%d', created_at / 1000, 'unixepoch')`
      : sql<string>`to_char(to_timestamp(created_at / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;
  const rows = await db
    .selectFrom('tickets')
    .select([day.as('day'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('created_at', '>=', since.getTime())
    .groupBy(day)
    .orderBy(day)
    .execute();
  return rows.map((r) => ({ day: String(r.day), count: Number(r.n) }));
}

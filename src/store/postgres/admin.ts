import { sql, type Kysely } from 'kysely';
import type { DatabaseAdmin, TableBloat, UpkeepAdmin } from '../admin-contract.js';
import {
  archiveClosedQueues,
  deleteExpiredIdempotencyKeys,
  foldAndDelete,
  invariantProblems,
  tableCounts,
} from '../kysely/shared-admin.js';
import { postgresSlowQueries, ticketsCreatedPerDay } from '../kysely/perf-queries.js';
import { OUR_TABLES, type DB } from '../kysely/schema.js';

export function createPostgresAdmin(db: Kysely<DB>, schema: string): DatabaseAdmin {
  const totalBytes = async (): Promise<number> => {
    const r = await sql<{ bytes: number | null }>`
      SELECT sum(pg_total_relation_size(c.oid))::bigint AS bytes
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ${schema} AND c.relkind = 'r'`.execute(db);
    return Number(r.rows[0]?.bytes ?? 0);
  };
  return {
    async updateStatistics() {
      for (const t of OUR_TABLES) await sql`ANALYZE ${sql.id(schema, t)}`.execute(db);
      return [...OUR_TABLES];
    },
    async optimize() {
      const before = await totalBytes();
      for (const t of OUR_TABLES) await sql`VACUUM (ANALYZE) ${sql.id(schema, t)}`.execute(db);
      const after = await totalBytes();
      // Plain VACUUM only gives space back when the last pages of a table are empty; it also
      // writes the free-space and visibility maps, which is growth, reported as such.
      return {
        measure:
          'pg_total_relation_size of every table of the schema (heap, indexes, TOAST, free-space and visibility maps)',
        sizeBytesBefore: before,
        sizeBytesAfter: after,
        bytesReclaimed: Math.max(0, before - after),
        bytesAdded: Math.max(0, after - before),
        details: `VACUUM (ANALYZE) on ${OUR_TABLES.length} tables`,
      };
    },
    async integrity() {
      const problems: string[] = [];
      const notChecked: string[] = [];
      const ext = await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'amcheck'`.execute(db);
      if (Number(ext.rows[0]?.n ?? 0) === 0)
        notChecked.push('btree index structure: the amcheck extension is not installed (CREATE EXTENSION amcheck)');
      else {
        const idx = await sql<{ name: string; oid: number }>`
          SELECT c.relname AS name, c.oid::int AS oid FROM pg_index i
          JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_am a ON a.oid = c.relam
          WHERE n.nspname = ${schema} AND a.amname = 'btree' AND i.indisvalid`.execute(db);
        for (const i of idx.rows) {
          try {
            await sql`SELECT bt_index_check(${i.oid}::regclass)`.execute(db);
          } catch (e) {
            problems.push(`index ${i.name}: ${(e as Error).message}`);
          }
        }
      }
      const uq = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = ${schema} AND indexname = 'tickets_queue_number_uq'`.execute(
        db,
      );
      if (Number(uq.rows[0]?.n ?? 0) === 0) problems.push('unique index tickets_queue_number_uq is missing');
      problems.push(...(await invariantProblems(db)));
      return { problems, notChecked };
    },
    foldAndDeleteEndedTickets: (before) =>
      foldAndDelete(
        db,
        before,
        (c) => sql<string>`to_char(to_timestamp(${sql.ref(c)} / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
      ),
    deleteExpiredIdempotencyKeys: (now) => deleteExpiredIdempotencyKeys(db, now),
    sizeBytes: totalBytes,
    tableCounts: () => tableCounts(db),
    slowQueries: (limit, minCalls) => postgresSlowQueries(db, limit, minCalls),
    ticketsCreatedPerDay: (since) => ticketsCreatedPerDay(db, 'postgres', since),
    ...upkeep(db, schema),
  };
}

// Weekly care, used by the upkeep steps.

/** Names REINDEX CONCURRENTLY gives its transient copies (`x_ccnew`, `x_ccnew1`, `x_ccold`...). */
const LEFTOVER = /_cc(new|old)\d*$/;

const dayOf = (c: string) =>
  sql<string>`to_char(to_timestamp(${sql.ref(c)} / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;

function upkeep(db: Kysely<DB>, schema: string): UpkeepAdmin {
  const indexes = async () =>
    (
      await sql<{ name: string; valid: boolean }>`
        SELECT c.relname AS name, i.indisvalid AS valid FROM pg_index i
        JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ${schema} ORDER BY c.relname`.execute(db)
    ).rows;
  const tableSizes = async (): Promise<Record<string, number>> => {
    const r = await sql<{ name: string; bytes: number }>`
      SELECT c.relname AS name, pg_total_relation_size(c.oid)::bigint AS bytes
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ${schema} AND c.relkind = 'r' ORDER BY c.relname`.execute(db);
    const ours = new Set<string>(OUR_TABLES);
    return Object.fromEntries(r.rows.filter((x) => ours.has(x.name)).map((x) => [x.name, Number(x.bytes)]));
  };
  /** Drops the INVALID leftovers of interrupted concurrent rebuilds; other invalid ones are only listed. */
  const sweepInvalid = async (dropped: string[], kept: Set<string>) => {
    for (const ix of await indexes()) {
      if (ix.valid) continue;
      if (!LEFTOVER.test(ix.name)) {
        kept.add(ix.name);
        continue;
      }
      await sql`DROP INDEX CONCURRENTLY IF EXISTS ${sql.id(schema, ix.name)}`.execute(db);
      dropped.push(ix.name);
    }
  };
  return {
    async reindex() {
      const invalidDropped: string[] = [];
      const kept = new Set<string>();
      // Leftovers first, so that no REINDEX below trips over (or rebuilds) an invalid copy.
      await sweepInvalid(invalidDropped, kept);
      const rebuilt: string[] = [];
      const failed: { index: string; error: string }[] = [];
      for (const ix of await indexes()) {
        if (!ix.valid) continue;
        try {
          // CONCURRENTLY: writers keep going; it cannot run in a transaction, and each statement
          // here runs on its own pooled connection in autocommit.
          await sql`REINDEX INDEX CONCURRENTLY ${sql.id(schema, ix.name)}`.execute(db);
          rebuilt.push(ix.name);
        } catch (e) {
          failed.push({ index: ix.name, error: (e as Error).message });
        }
      }
      // A rebuild that failed above leaves its own invalid `_ccnew` copy behind.
      await sweepInvalid(invalidDropped, kept);
      return { method: 'REINDEX INDEX CONCURRENTLY', rebuilt, failed, invalidDropped, invalidKept: [...kept].sort() };
    },
    async compactStorage() {
      const before = await tableSizes();
      for (const t of OUR_TABLES) await sql`VACUUM ${sql.id(schema, t)}`.execute(db);
      const after = await tableSizes();
      const parts: Record<string, { before: number; after: number }> = {};
      for (const k of Object.keys(before)) parts[k] = { before: before[k] ?? 0, after: after[k] ?? 0 };
      const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
      return {
        bytesBefore: sum(before),
        bytesAfter: sum(after),
        bytesReclaimed: sum(before) - sum(after),
        parts,
        // Plain VACUUM marks dead rows' space reusable and only gives back empty pages at a table's end.
        details: [
          `VACUUM on ${OUR_TABLES.length} tables (space of dead rows becomes reusable; only trailing empty pages return to the file system)`,
        ],
      };
    },
    async bloatEstimate() {
      const ext = await sql<{ nspname: string }>`
        SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pgstattuple'`.execute(
        db,
      );
      const where = ext.rows[0]?.nspname;
      if (where === undefined)
        return {
          available: false as const,
          reason: 'the pgstattuple extension is not installed (CREATE EXTENSION pgstattuple)',
        };
      const tables: TableBloat[] = [];
      try {
        for (const t of OUR_TABLES) {
          const r = await sql<{ table_len: number; dead_tuple_len: number; approx_free_space: number }>`
            SELECT table_len, dead_tuple_len, approx_free_space FROM ${sql.id(where, 'pgstattuple_approx')}(format('%I.%I', ${schema}::text, ${t}::text)::regclass)`.execute(
            db,
          );
          const row = r.rows[0];
          if (!row) continue;
          const size = Number(row.table_len);
          const dead = Number(row.dead_tuple_len);
          const free = Number(row.approx_free_space);
          tables.push({
            table: t,
            tableBytes: size,
            deadBytes: dead,
            freeBytes: free,
            bloatPercent: size > 0 ? Math.round(((dead + free) / size) * 1000) / 10 : 0,
          });
        }
      } catch (e) {
        return { available: false as const, reason: `pgstattuple_approx failed: ${(e as Error).message}` };
      }
      return {
        available: true as const,
        method: 'pgstattuple_approx (visibility map; exact scan of pages not all-visible)',
        tables,
        freePagesBytes: null,
      };
    },
    archiveClosedQueues: (before) => archiveClosedQueues(db, before, dayOf),
  };
}

import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import type { DatabaseAdmin, UpkeepAdmin } from '../admin-contract.js';
import {
  archiveClosedQueues,
  deleteExpiredIdempotencyKeys,
  foldAndDelete,
  invariantProblems,
  tableCounts,
} from '../kysely/shared-admin.js';
import { sqliteSlowQueries, ticketsCreatedPerDay } from '../kysely/perf-queries.js';
import { pragmaRows, pragmaValue, type Statements } from './statements.js';
import { OUR_TABLES, type DB } from '../kysely/schema.js';

const fileSize = (path: string): number => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

export function createSqliteAdmin(db: Kysely<DB>, raw: Database.Database, stmts: Statements): DatabaseAdmin {
  const pages = (): number => Number(pragmaValue(stmts, 'page_count')) * Number(pragmaValue(stmts, 'page_size'));
  return {
    async updateStatistics() {
      raw.exec('ANALYZE');
      raw.exec('PRAGMA optimize');
      return [...OUR_TABLES];
    },
    async optimize() {
      // Pages, not files: the vacuum moves freed pages out through the -wal, which grows until the
      // next checkpoint, so file sizes taken around it would show growth for reclaimed space.
      const measure = 'page_count × page_size: the database itself, without its -wal journal';
      const before = pages();
      const free = Number(pragmaValue(stmts, 'freelist_count'));
      const mode = Number(pragmaValue(stmts, 'auto_vacuum'));
      if (mode !== 2)
        return {
          measure,
          sizeBytesBefore: before,
          sizeBytesAfter: before,
          bytesReclaimed: null,
          bytesAdded: 0,
          details: `auto_vacuum is ${mode}, not INCREMENTAL (2): incremental vacuum cannot reclaim space`,
        };
      // exec steps the pragma to the end; a prepared run() takes one step, which frees one page.
      raw.exec('PRAGMA incremental_vacuum');
      const after = pages();
      return {
        measure,
        sizeBytesBefore: before,
        sizeBytesAfter: after,
        bytesReclaimed: Math.max(0, before - after),
        bytesAdded: Math.max(0, after - before),
        details: `incremental vacuum released ${free} free pages`,
      };
    },
    async integrity() {
      const problems: string[] = [];
      const check = pragmaRows<{ integrity_check: string }>(stmts, 'integrity_check');
      for (const row of check)
        if (row.integrity_check !== 'ok') problems.push(`integrity_check: ${row.integrity_check}`);
      const fk = pragmaRows<{ table: string; rowid: number; parent: string }>(stmts, 'foreign_key_check');
      for (const row of fk.slice(0, 20))
        problems.push(`foreign key: ${row.table} row ${row.rowid} points at a missing ${row.parent}`);
      const idx = await sql<{
        name: string;
      }>`SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'tickets_queue_number_uq'`.execute(db);
      if (idx.rows.length === 0) problems.push('unique index tickets_queue_number_uq is missing');
      problems.push(...(await invariantProblems(db)));
      return { problems, notChecked: [] };
    },
    foldAndDeleteEndedTickets: (before) =>
      foldAndDelete(db, before, (c) => sql<string>`strftime('%Y-%m-%d', ${sql.ref(c)} / 1000, 'unixepoch')`),
    deleteExpiredIdempotencyKeys: (now) => deleteExpiredIdempotencyKeys(db, now),
    async sizeBytes() {
      return fileSize(raw.name) + fileSize(`${raw.name}-wal`);
    },
    tableCounts: () => tableCounts(db),
    slowQueries: () => sqliteSlowQueries(),
    ticketsCreatedPerDay: (since) => ticketsCreatedPerDay(db, 'sqlite', since),
    ...upkeep(db, raw, stmts),
  };
}

// Weekly care, used by the upkeep steps.

const dayOf = (c: string) => sql<string>`strftime('%Y-%m-%d', ${sql.ref(c)} / 1000, 'unixepoch')`;

function upkeep(db: Kysely<DB>, raw: Database.Database, stmts: Statements): UpkeepAdmin {
  const files = (): Record<string, number> => ({ database: fileSize(raw.name), wal: fileSize(`${raw.name}-wal`) });
  const pageSize = (): number => Number(pragmaValue(stmts, 'page_size'));
  return {
    async reindex() {
      const names = (
        stmts.get(`SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name`).all() as { name: string }[]
      ).map((r) => r.name);
      // One statement for the whole file: SQLite has no concurrent rebuild and no invalid indexes.
      raw.exec('REINDEX');
      return { method: 'REINDEX', rebuilt: names, failed: [], invalidDropped: [], invalidKept: [] };
    },
    async compactStorage() {
      const before = files();
      const details: string[] = [];
      const free = Number(pragmaValue(stmts, 'freelist_count'));
      if (Number(pragmaValue(stmts, 'auto_vacuum')) === 2) {
        raw.exec('PRAGMA incremental_vacuum');
        details.push(`incremental vacuum released ${free} free pages`);
      } else details.push('auto_vacuum is not INCREMENTAL: free pages stay in the file');
      // TRUNCATE writes the WAL back into the database and cuts the -wal file to zero bytes; a
      // reader still inside an old snapshot makes it stop early (busy), which is reported.
      const cp = pragmaRows<{ busy: number; log: number; checkpointed: number }>(stmts, 'wal_checkpoint(TRUNCATE)')[0];
      if (cp === undefined) details.push('wal_checkpoint returned nothing');
      else if (cp.busy !== 0)
        details.push(
          `wal_checkpoint(TRUNCATE) was blocked by a reader: ${cp.checkpointed} of ${cp.log} WAL frames copied, the -wal file kept`,
        );
      else details.push('wal_checkpoint(TRUNCATE) completed');
      const after = files();
      const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
      const parts: Record<string, { before: number; after: number }> = {};
      for (const k of Object.keys(before)) parts[k] = { before: before[k] ?? 0, after: after[k] ?? 0 };
      return {
        bytesBefore: sum(before),
        bytesAfter: sum(after),
        bytesReclaimed: sum(before) - sum(after),
        parts,
        details,
      };
    },
    async bloatEstimate() {
      let rows: { name: string; size: number; unused: number }[];
      try {
        rows = stmts
          .get(`SELECT name, sum(pgsize) AS size, sum(unused) AS unused FROM dbstat GROUP BY name ORDER BY name`)
          .all() as typeof rows;
      } catch (e) {
        return { available: false as const, reason: `the dbstat table is not compiled in: ${(e as Error).message}` };
      }
      const ours = new Set<string>(OUR_TABLES);
      const tables = rows
        .filter((r) => ours.has(r.name))
        .map((r) => ({
          table: r.name,
          tableBytes: Number(r.size),
          deadBytes: 0,
          freeBytes: Number(r.unused),
          bloatPercent: pct(Number(r.unused), Number(r.size)),
        }));
      const freePagesBytes = Number(pragmaValue(stmts, 'freelist_count')) * pageSize();
      return {
        available: true as const,
        method: "dbstat (unused bytes in each table's pages) and freelist_count",
        tables,
        freePagesBytes,
      };
    },
    archiveClosedQueues: (before) => archiveClosedQueues(db, before, dayOf),
  };
}

const pct = (part: number, whole: number): number => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0);

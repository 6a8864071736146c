/** Database care, written once per dialect. Used by maintenance steps and backups. */
interface IntegrityReport {
  /** `ok`, or the problems found. */
  readonly problems: string[];
  /** Checks that could not run here, with the reason (for example amcheck not installed). */
  readonly notChecked: string[];
}

interface SlowQueryRow {
  readonly query: string;
  readonly calls: number;
  readonly meanMs: number;
  readonly totalMs: number;
  readonly rows: number;
}

export interface SlowQueriesResult {
  readonly available: boolean;
  readonly reason?: string;
  readonly rows: SlowQueryRow[];
}

export interface DatabaseAdmin extends UpkeepAdmin {
  /** Refreshes planner statistics; returns the tables it analysed. */
  updateStatistics(): Promise<string[]>;
  /** SQLite incremental vacuum, PostgreSQL VACUUM (ANALYZE), with its sizes measured one way. */
  optimize(): Promise<OptimizeReport>;
  /** Engine-level integrity plus our own invariants (no duplicate numbers, waiting counts). */
  integrity(): Promise<IntegrityReport>;
  /** Folds tickets ended before `before` into daily aggregates, then deletes them. */
  foldAndDeleteEndedTickets(
    before: Date,
  ): Promise<{ ticketsRemoved: number; aggregatesWritten: number; idempotencyKeysRemoved: number }>;
  /** Idempotency keys past their expiry are deleted. */
  deleteExpiredIdempotencyKeys(now: Date): Promise<number>;
  /** Bytes the database takes on disk. */
  sizeBytes(): Promise<number>;
  /** Row count of every table of ours. */
  tableCounts(): Promise<Record<string, number>>;
  /** Slowest statements by mean time (pg_stat_statements); `available: false` with the reason otherwise. */
  slowQueries(limit: number, minCalls: number): Promise<SlowQueriesResult>;
  /** Tickets still in the database, by the UTC day they were created. */
  ticketsCreatedPerDay(since: Date): Promise<{ day: string; count: number }[]>;
}

// ---------------------------------------------------------------------------------------------
// Weekly care (maintenance/steps/upkeep).

interface ReindexReport {
  /** `REINDEX` (SQLite, the whole file) or `REINDEX INDEX CONCURRENTLY` (PostgreSQL, one by one). */
  readonly method: string;
  /** Indexes rebuilt. */
  readonly rebuilt: string[];
  /** Indexes whose rebuild failed, with the reason; the old index stays in use. */
  readonly failed: { readonly index: string; readonly error: string }[];
  /** INVALID `*_ccnew*` / `*_ccold*` leftovers of interrupted concurrent rebuilds, dropped. */
  readonly invalidDropped: string[];
  /** Other INVALID indexes: not leftovers of a rebuild, so reported and left alone. */
  readonly invalidKept: string[];
}

interface StorageReport {
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  /** `bytesBefore - bytesAfter`, as measured; negative when the files grew. */
  readonly bytesReclaimed: number;
  /** Sizes per file (SQLite: the database and its -wal) or per table (PostgreSQL), before and after. */
  readonly parts: Record<string, { before: number; after: number }>;
  readonly details: string[];
}

/**
 * Before and after are the same measure (`measure` names it), so the figures cannot contradict:
 * `bytesReclaimed` is what the size went down by and `bytesAdded` what it went up by; at most
 * one is above 0. `bytesReclaimed` is null when the engine could not reclaim anything at all.
 */
interface OptimizeReport {
  readonly measure: string;
  readonly sizeBytesBefore: number;
  readonly sizeBytesAfter: number;
  readonly bytesReclaimed: number | null;
  readonly bytesAdded: number;
  readonly details: string;
}

export interface TableBloat {
  readonly table: string;
  readonly tableBytes: number;
  /** Bytes of dead row versions (PostgreSQL); 0 on SQLite, which has none. */
  readonly deadBytes: number;
  /** Unused bytes inside the table's pages. */
  readonly freeBytes: number;
  /** (dead + free) / table size, in percent. */
  readonly bloatPercent: number;
}

/** `freePagesBytes`: SQLite's whole free pages (freelist); null on PostgreSQL, whose free space is per table. */
type BloatEstimate =
  | {
      readonly available: true;
      readonly method: string;
      readonly tables: TableBloat[];
      readonly freePagesBytes: number | null;
    }
  | { readonly available: false; readonly reason: string };

interface ArchiveReport {
  /** Closed queues removed, after their tickets were folded into daily aggregates. */
  readonly queuesArchived: number;
  readonly queueIds: string[];
  readonly ticketsFolded: number;
  readonly aggregatesWritten: number;
  /** Closed long enough but still holding waiting or called tickets: kept. */
  readonly closedKept: number;
}

export interface UpkeepAdmin {
  /** Rebuilds our indexes and drops the INVALID leftovers of failed concurrent rebuilds. */
  reindex(): Promise<ReindexReport>;
  /**
   * Gives space back to the file system. SQLite: incremental vacuum, then
   * `wal_checkpoint(TRUNCATE)`; PostgreSQL: plain VACUUM of each table (no lock against writers).
   */
  compactStorage(): Promise<StorageReport>;
  /** PostgreSQL: `pgstattuple_approx` when the extension is installed; SQLite: the `dbstat` table. */
  bloatEstimate(): Promise<BloatEstimate>;
  /**
   * Queues closed before `before` with no waiting or called ticket: their tickets folded into
   * daily aggregates (which have no foreign key, so the history stays), then the queue deleted.
   */
  archiveClosedQueues(before: Date): Promise<ArchiveReport>;
}

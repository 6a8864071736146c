import type { Readable } from 'node:stream';
import type { Config, DatabaseConfig } from '../config/index.js';
import type { StoredFile } from './files.js';
import { postgresEngine } from './postgres/engine.js';
import { sqliteEngine } from './sqlite/engine.js';

/** What one engine's dump produced, measured inside the dump's own consistent view. */
export interface DumpOutcome {
  readonly file: StoredFile;
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly tables: Record<string, number>;
  readonly schemaVersion: number;
  readonly schema: string | null;
  readonly serverVersion: string | null;
  readonly tool: string | null;
}

/** A database restored from a backup for checking; dropped by `dispose` (safe to call twice). */
export interface ScratchDatabase {
  readonly database: DatabaseConfig;
  dispose(): Promise<void>;
}

/** Stores the plain dump (a stream, or a file to move) as the backup's database file. */
export type DumpSink = (plain: Readable | { path: string }) => Promise<StoredFile>;

/** A stored dump to restore: its plain content, and its path too when it is not encrypted. */
export interface DumpSource {
  readonly open: () => Readable;
  readonly plainPath: string | null;
}

/**
 * Dump and restore for one database engine. `sqlite/` and `postgres/` each provide one; the
 * backup, verify and restore flows above them never see a driver or a command line.
 */
export interface DumpEngine {
  readonly kind: 'sqlite' | 'postgres';
  readonly fileName: string;
  dump(work: string, sink: DumpSink, now: () => Date, signal?: AbortSignal): Promise<DumpOutcome>;
  /** Restores into a fresh scratch database; `near` puts a SQLite scratch file beside that path. */
  restoreScratch(
    source: DumpSource,
    label: string,
    backupSchema: string | null,
    near?: string,
  ): Promise<ScratchDatabase>;
  /** Rows the target holds in any table; 0 when it does not exist yet. */
  targetRows(target: DatabaseConfig): Promise<number>;
  /** Puts a verified backup into the target (SQLite adopts the scratch file; PostgreSQL restores again). */
  restoreInto(
    target: DatabaseConfig,
    scratch: ScratchDatabase,
    source: DumpSource,
    backupSchema: string | null,
  ): Promise<void>;
}

/** The engine for a database kind, working with this installation's tools and scratch space. */
export function dumpEngine(kind: 'sqlite' | 'postgres', config: Config): DumpEngine {
  return kind === 'sqlite' ? sqliteEngine(config) : postgresEngine(config);
}

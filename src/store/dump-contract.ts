import type { Readable } from 'node:stream';
import type { DatabaseConfig } from '../config/index.js';

/**
 * Dumps, scratch databases and restores: what backups need from a database engine, so that the
 * backup flows never see a driver, a command line or the store's table list.
 */

/** What one engine's dump produced, measured inside the dump's own consistent view. */
interface DumpOutcome<F> {
  readonly file: F;
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly tables: Record<string, number>;
  readonly schemaVersion: number;
  readonly schema: string | null;
  readonly serverVersion: string | null;
  readonly tool: string | null;
  /**
   * Meta entries the dump leaves out and the restore writes back (PostgreSQL, whose dump cannot
   * drop single rows); null when the dump itself holds them (SQLite). Secrets are never among them.
   */
  readonly meta: Record<string, string> | null;
}

/** A database restored from a backup for checking; dropped by `dispose` (safe to call twice). */
export interface ScratchDatabase {
  readonly database: DatabaseConfig;
  dispose(): Promise<void>;
}

/** Stores the plain dump (a stream, or a file to move) as the backup's database file. */
type DumpSink<F> = (plain: Readable | { path: string }) => Promise<F>;

/** A stored dump to restore: its plain content, its path too when it is not encrypted. */
export interface DumpSource {
  readonly open: () => Readable;
  readonly plainPath: string | null;
  /** The dump's `meta` (see DumpOutcome), to write back after the restore. */
  readonly meta: Record<string, string> | null;
}

/**
 * The meta entry of the key that seals what the database keeps secret: ticket tokens for
 * idempotent replays, pass signing keys, draw seeds, webhook signing secrets.
 */
export const SEAL_KEY_META = 'token_seal_key';

/**
 * Meta entries that never leave the database through a dump in clear: the seal key would let
 * anyone holding a backup open every secret sealed under it. The manifest carries them sealed
 * under the backup signing key instead, and a restore writes them back (backup/secrets.ts).
 */
export const SECRET_META_KEYS: readonly string[] = [SEAL_KEY_META];

/** Dump and restore for one database engine. `sqlite/dump.ts` and `postgres/dump.ts` provide one. */
export interface DumpEngine {
  readonly kind: 'sqlite' | 'postgres';
  readonly fileName: string;
  dump<F>(work: string, sink: DumpSink<F>, now: () => Date, signal?: AbortSignal): Promise<DumpOutcome<F>>;
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

import type { Insertable, Kysely } from 'kysely';
import type { DatabaseAdmin } from '../admin-contract.js';
import type { DB, TicketsTable } from './schema.js';

/**
 * What each backend folder provides: the connection and the few things that differ by engine.
 * `sqlite/` and `postgres/` hold the same file roles: `connect.ts`, `errors.ts`, `admin.ts`.
 */
export interface DialectParts {
  readonly kind: 'sqlite' | 'postgres';
  readonly db: Kysely<DB>;
  /** PostgreSQL: our schema. Kysely looks for its migration tables in any schema unless told which. */
  readonly migrationSchema?: string;
  /** Runs before migrations (PostgreSQL: create the schema). */
  prepare(): Promise<void>;
  /** A driver error that means "the database cannot be reached right now". */
  isUnavailable(e: unknown): boolean;
  /** A driver error worth retrying: serialization failure, deadlock, busy. */
  isTransient(e: unknown): boolean;
  ping(): Promise<void>;
  /**
   * SQLite: runs a read at once on the connection, skipping Kysely's queue, when no transaction is
   * open on it; `undefined` when one is (the read must then wait its turn, or it would see that
   * transaction's uncommitted rows).
   */
  readonly readNow?: <T>(sql: string, params: readonly unknown[]) => T[] | undefined;
  /** Inserts new tickets inside the caller's transaction; without it, multi-row INSERTs in chunks. */
  readonly insertTickets?: (trx: Kysely<DB>, rows: readonly Insertable<TicketsTable>[]) => Promise<void>;
  /** PostgreSQL: runs a read as a named prepared statement, parsed and planned once per connection. */
  readonly readPrepared?: <T>(name: string, sql: string, params: readonly unknown[]) => Promise<T[]>;
  admin(db: Kysely<DB>): DatabaseAdmin;
  close(): Promise<void>;
}

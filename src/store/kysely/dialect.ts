import type { Insertable, Kysely, Selectable } from 'kysely';
import type { JoinRequest } from '../contract.js';
import type { DatabaseAdmin } from '../admin-contract.js';
import type { DB, QueuesTable, TicketsTable } from './schema.js';

/**
 * What each backend folder provides: the connection and the few things that differ by engine.
 * `sqlite/` and `postgres/` hold the same file roles: `connect.ts`, `errors.ts`, `admin.ts`.
 */
export interface DialectParts {
  readonly kind: 'sqlite' | 'postgres';
  /** For requests: every call has a deadline of a few seconds. */
  readonly db: Kysely<DB>;
  /**
   * For background work that may run for minutes (maintenance, migrations, reading every waiting
   * ticket), with its own longer deadline. SQLite: the same connection as `db`.
   */
  readonly background: Kysely<DB>;
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
   * Runs one of the hot reads without Kysely's plumbing, which costs more than the read itself.
   * SQLite: at once on the connection, but `undefined` while a transaction is open on it (the read
   * must then wait its turn in Kysely's queue, or it would see uncommitted rows). PostgreSQL: on
   * the pool, where it becomes a named prepared statement like every parameterised query.
   */
  readonly readDirect?: <T>(sql: string, params: readonly unknown[]) => T[] | Promise<T[]> | undefined;
  /**
   * Writes a join batch without idempotency keys in one statement and returns the queue row after
   * it, or `undefined` when the queue is closed, full or missing (then nothing was written).
   * Without it, the batch reserves and inserts inside a transaction.
   */
  readonly joinInOneStatement?: (
    db: Kysely<DB>,
    queueId: string,
    reqs: readonly JoinRequest[],
    now: number,
  ) => Promise<Selectable<QueuesTable> | undefined>;
  /**
   * Runs first in a desk's write transaction (call-next, a ticket transition): bounds its wait for
   * the queue's row lock apart from the statement deadline (PostgreSQL). SQLite's writer lock has
   * its busy timeout already.
   */
  readonly boundLockWait?: (trx: Kysely<DB>) => Promise<void>;
  /** Inserts new tickets inside the caller's transaction; without it, multi-row INSERTs in chunks. */
  readonly insertTickets?: (trx: Kysely<DB>, rows: readonly Insertable<TicketsTable>[]) => Promise<void>;
  admin(db: Kysely<DB>): DatabaseAdmin;
  close(): Promise<void>;
}

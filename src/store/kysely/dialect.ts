import type { Kysely } from 'kysely';
import type { DatabaseAdmin } from '../admin-contract.js';
import type { DB } from './schema.js';

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
  admin(db: Kysely<DB>): DatabaseAdmin;
  close(): Promise<void>;
}

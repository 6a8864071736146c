import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { DialectParts } from '../kysely/dialect.js';
import type { DB } from '../kysely/schema.js';
import { createPostgresAdmin } from './admin.js';
import { isPgTransient, isPgUnavailable } from './errors.js';
import { insertTicketsUnnest } from './insert-tickets.js';
import { joinInOneStatement } from './join-batch.js';
import { prepareStatements } from './statements.js';

const INT8 = 20;
const NUMERIC = 1700;

export interface PostgresOptions {
  readonly url: string;
  readonly schema: string;
  readonly poolSize?: number;
}

/**
 * Connects to PostgreSQL with every connection's search_path set to our schema, so one server
 * can host several isolated installations (and tests can use a schema per file).
 */
export function openPostgres(opts: PostgresOptions): DialectParts & { pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30_000,
    options: `-c search_path=${opts.schema}`,
    // Times are epoch ms in bigint columns: well inside 2^53, so plain numbers are exact.
    types: {
      getTypeParser: (oid: number, format?: string) =>
        oid === INT8 || oid === NUMERIC ? Number : pg.types.getTypeParser(oid, format as 'text'),
    } as pg.CustomTypesConfig,
  });
  // A client that loses its server emits 'error': idle ones on the pool, busy ones on themselves.
  // Without listeners the process would exit; the failing query already rejects with the cause.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  prepareStatements(pool);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: 'postgres',
    db,
    migrationSchema: opts.schema,
    pool,
    prepare: async () => {
      await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(opts.schema)}`.execute(db);
    },
    isUnavailable: isPgUnavailable,
    isTransient: isPgTransient,
    ping: async () => {
      await sql`SELECT 1`.execute(db);
    },
    insertTickets: insertTicketsUnnest,
    readDirect: async <T>(text: string, params: readonly unknown[]) =>
      (await pool.query(text, [...params])).rows as T[],
    joinInOneStatement,
    admin: (k) => createPostgresAdmin(k, opts.schema),
    close: async () => {
      await db.destroy();
    },
  };
}

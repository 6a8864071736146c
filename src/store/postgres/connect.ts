import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { DialectParts } from '../kysely/dialect.js';
import type { DB } from '../kysely/schema.js';
import { createPostgresAdmin } from './admin.js';
import { deadlineClient } from './client.js';
import { isPgTransient, isPgUnavailable } from './errors.js';
import { insertTicketsUnnest } from './insert-tickets.js';
import { joinInOneStatement } from './join-batch.js';

const INT8 = 20;
const NUMERIC = 1700;

export interface PostgresOptions {
  readonly url: string;
  readonly schema: string;
  readonly poolSize?: number;
  /** Deadline of background work (maintenance, migrations, index rebuilds); default 5 minutes. */
  readonly backgroundTimeoutMs?: number;
}

/**
 * Deadlines of the calls that serve requests. The server ends a statement after 3 s (and keeps the
 * connection); a connection that has not answered after 3.5 s is dropped, so a silent network costs
 * a request at most a few seconds and a 503. A transaction left open by a vanished client releases
 * its locks after 10 s.
 */
const REQUEST = { statementMs: 3000, deadlineMs: 3500, acquireMs: 2000 };
/**
 * A desk's write waiting for the queue's row lock (another node's write of the same queue) gives up
 * sooner than a statement: after 1.5 s with 55P03, which rolls back and is retried (store retry
 * policy, 4 attempts), so a lock held up to about 6 s costs a wait, not a 503, while a slow
 * statement still ends at 3 s. Set per transaction, so no other statement's lock waits change.
 */
const QUEUE_LOCK_WAIT = sql.raw(`SET LOCAL lock_timeout = 1500`);
const IDLE_IN_TRANSACTION_MS = 10_000;

interface PoolDeadlines {
  readonly max: number;
  readonly statementMs: number;
  readonly deadlineMs: number;
  /** Both the connection handshake and the wait for a free client of a busy pool. */
  readonly acquireMs: number;
}

/**
 * Connects to PostgreSQL with every connection's search_path set to our schema, so one server
 * can host several isolated installations (and tests can use a schema per file). Two pools: one
 * for requests, with deadlines of a few seconds, and a small one for background work that may
 * legitimately run for minutes (VACUUM, REINDEX, a migration, reading every waiting ticket).
 */
export function openPostgres(opts: PostgresOptions): DialectParts & { pool: pg.Pool } {
  const backgroundMs = opts.backgroundTimeoutMs ?? 300_000;
  const pool = createPool(opts, { max: opts.poolSize ?? 10, ...REQUEST });
  // Background work is sequential on a node; a wait for one of its clients is not a request's wait.
  const backgroundPool = createPool(opts, {
    max: 3,
    statementMs: backgroundMs,
    deadlineMs: backgroundMs + 5000,
    acquireMs: 30_000,
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const background = new Kysely<DB>({ dialect: new PostgresDialect({ pool: backgroundPool }) });
  return {
    kind: 'postgres',
    db,
    background,
    migrationSchema: opts.schema,
    pool,
    prepare: async () => {
      await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(opts.schema)}`.execute(background);
    },
    isUnavailable: isPgUnavailable,
    isTransient: isPgTransient,
    ping: async () => {
      await sql`SELECT 1`.execute(db);
    },
    insertTickets: insertTicketsUnnest,
    boundLockWait: async (trx) => {
      await QUEUE_LOCK_WAIT.execute(trx);
    },
    readDirect: async <T>(text: string, params: readonly unknown[]) =>
      (await pool.query(text, [...params])).rows as T[],
    joinInOneStatement,
    admin: (k) => createPostgresAdmin(k, opts.schema),
    close: async () => {
      await Promise.all([db.destroy(), background.destroy()]);
    },
  };
}

function createPool(opts: PostgresOptions, p: PoolDeadlines): pg.Pool {
  const pool = new pg.Pool({
    Client: deadlineClient(p.deadlineMs),
    connectionString: opts.url,
    max: p.max,
    connectionTimeoutMillis: p.acquireMs,
    idleTimeoutMillis: 30_000,
    options: `-c search_path=${opts.schema}`,
    statement_timeout: p.statementMs,
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
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
  return pool;
}

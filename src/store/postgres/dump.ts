import pg from 'pg';
import type { Config, DatabaseConfig } from '../../config/index.js';
import { BackupError, messageOf } from '../../errors/index.js';
import { SECRET_META_KEYS, type DumpEngine, type DumpSource, type ScratchDatabase } from '../dump-contract.js';
import { OUR_TABLES } from '../kysely/schema.js';
import { runTool, toolConnection } from './dump-process.js';
import { findPgTools, type PgTools } from './dump-tools.js';

type Pg = Extract<DatabaseConfig, { kind: 'postgres' }>;
const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

const serverMajor = async (c: pg.Client): Promise<number> =>
  Math.floor(
    Number((await c.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]?.v) / 10000,
  );
const schemaExists = async (c: pg.Client, schema: string): Promise<boolean> =>
  (await c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount === 1;
const withDatabase = (url: string, name: string): string =>
  Object.assign(new URL(url), { pathname: `/${name}` }).toString();

function server(config: Config): Pg {
  if (config.database.kind !== 'postgres')
    throw new BackupError(
      'target_incompatible',
      'a PostgreSQL backup needs a PostgreSQL server to restore into; this installation uses SQLite',
    );
  return config.database;
}

/**
 * PostgreSQL: `pg_dump --format=custom` of our schema, restored with pg_restore. pg_dump cannot
 * leave out single rows, so the dump leaves out the meta table's rows; the others travel in the
 * outcome's `meta` (the backup's manifest) and are written back after pg_restore.
 */
export function postgresDump(config: Config): DumpEngine {
  const tools = async (url: string): Promise<PgTools> =>
    findPgTools(config.backup.pgDumpPath, await withClient(url, serverMajor));

  /**
   * Restores into `schema` of the database at `url`. An existing schema of that name is moved
   * aside first and put back if the restore fails, so a failed restore never leaves it empty.
   */
  async function restoreAt(url: string, schema: string, backupSchema: string, source: DumpSource): Promise<void> {
    const t = await tools(url);
    const aside = `${schema.slice(0, 36)}_pre_restore_${Date.now().toString(36)}`;
    const moved = await withClient(url, async (c) => {
      if (backupSchema !== schema && (await schemaExists(c, backupSchema)))
        throw new BackupError(
          'target_incompatible',
          `the target database already has schema "${backupSchema}", which this backup restores into; pick another database`,
        );
      if (!(await schemaExists(c, schema))) return false;
      await c.query(`ALTER SCHEMA ${ident(schema)} RENAME TO ${ident(aside)}`);
      return true;
    });
    const conn = await toolConnection(url, config.tmpDir);
    try {
      await runTool(
        t.pgRestore,
        [
          '--no-owner',
          '--no-privileges',
          '--no-comments',
          '--exit-on-error',
          '--single-transaction',
          `--dbname=${conn.dbname}`,
        ],
        { stdin: source.open() },
      );
      if (source.meta)
        await withClient(url, async (c) => {
          for (const [key, value] of Object.entries(source.meta ?? {}))
            await c.query(`INSERT INTO ${ident(backupSchema)}.meta (key, value) VALUES ($1, $2)`, [key, value]);
        });
      if (backupSchema !== schema)
        await withClient(url, (c) => c.query(`ALTER SCHEMA ${ident(backupSchema)} RENAME TO ${ident(schema)}`));
    } catch (e) {
      await withClient(url, async (c) => {
        await c.query(`DROP SCHEMA IF EXISTS ${ident(backupSchema)} CASCADE`);
        if (moved) await c.query(`ALTER SCHEMA ${ident(aside)} RENAME TO ${ident(schema)}`);
      }).catch(() => undefined);
      throw new BackupError('restore_failed', `pg_restore failed: ${messageOf(e)}`, { cause: e });
    } finally {
      await conn.cleanup();
    }
    if (moved) await withClient(url, (c) => c.query(`DROP SCHEMA ${ident(aside)} CASCADE`));
  }

  return {
    kind: 'postgres',
    fileName: 'database.pgdump',

    async dump(work, sink, now, signal) {
      const db = server(config);
      const t = await tools(db.url);
      return withClient(db.url, async (c) => {
        // One exported snapshot serves pg_dump and our row counts: both see the same moment.
        await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const snapshot = (await c.query<{ s: string }>('SELECT pg_export_snapshot() AS s')).rows[0]?.s ?? '';
        const tables: Record<string, number> = {};
        for (const table of OUR_TABLES)
          tables[table] = Number(
            (await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${ident(db.schema)}.${ident(table)}`)).rows[0]?.n,
          );
        const meta: Record<string, string> = {};
        const metaRows = await c.query<{ key: string; value: string }>(
          `SELECT key, value FROM ${ident(db.schema)}.meta WHERE NOT (key = ANY($1)) ORDER BY key`,
          [SECRET_META_KEYS],
        );
        for (const r of metaRows.rows) meta[r.key] = r.value;
        tables.meta = metaRows.rows.length;
        const schemaVersion = Number(
          (await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${ident(db.schema)}.kysely_migration`)).rows[0]?.n,
        );
        const serverVersion =
          (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? null;
        const startedAt = now();
        const conn = await toolConnection(db.url, work);
        let file;
        try {
          await runTool(
            t.pgDump,
            [
              '--format=custom',
              `--schema=${db.schema}`,
              `--exclude-table-data="${db.schema}".meta`,
              `--snapshot=${snapshot}`,
              `--dbname=${conn.dbname}`,
            ],
            {
              consume: async (out) => {
                file = await sink(out);
              },
              ...(signal ? { signal } : {}),
            },
          );
        } catch (e) {
          throw new BackupError('dump_failed', `pg_dump failed: ${messageOf(e)}`, { cause: e });
        } finally {
          await conn.cleanup();
        }
        await c.query('COMMIT');
        if (!file) throw new BackupError('dump_failed', 'pg_dump produced no output');
        return {
          file,
          startedAt,
          endedAt: now(),
          tables,
          schemaVersion,
          schema: db.schema,
          serverVersion: serverVersion && `PostgreSQL ${serverVersion}`,
          tool: `${t.pgDump} ${t.version}`,
          meta,
        };
      });
    },

    async restoreScratch(source, label, backupSchema): Promise<ScratchDatabase> {
      const db = server(config);
      if (!backupSchema) throw new BackupError('target_incompatible', 'the manifest names no PostgreSQL schema');
      const name = `qk_verify_${label}`.slice(0, 63);
      await withClient(db.url, (c) => c.query(`CREATE DATABASE ${ident(name)}`));
      let dropped = false;
      const dispose = async (): Promise<void> => {
        if (dropped) return;
        dropped = true;
        await withClient(db.url, (c) => c.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`));
      };
      const url = withDatabase(db.url, name);
      try {
        await restoreAt(url, backupSchema, backupSchema, source);
      } catch (e) {
        await dispose();
        throw e;
      }
      return { database: { kind: 'postgres', url, schema: backupSchema }, dispose };
    },

    async targetRows(target) {
      if (target.kind !== 'postgres')
        throw new BackupError('target_incompatible', 'a PostgreSQL backup restores into a PostgreSQL database');
      try {
        return await withClient(target.url, async (c) => {
          const tables = await c.query<{ t: string }>(
            "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'kysely\\_%'",
            [target.schema],
          );
          let rows = 0;
          for (const { t } of tables.rows)
            rows += Number(
              (await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${ident(target.schema)}.${ident(t)}`)).rows[0]
                ?.n,
            );
          return rows;
        });
      } catch (e) {
        if ((e as { code?: string }).code === '3D000')
          throw new BackupError(
            'target_incompatible',
            `the target database does not exist; create it first (${messageOf(e)})`,
          );
        throw e;
      }
    },

    async restoreInto(target, scratch, source, backupSchema) {
      if (target.kind !== 'postgres')
        throw new BackupError('target_incompatible', 'a PostgreSQL backup restores into a PostgreSQL database');
      if (!backupSchema) throw new BackupError('target_incompatible', 'the manifest names no PostgreSQL schema');
      await scratch.dispose();
      await restoreAt(target.url, target.schema, backupSchema, source);
    },
  };
}

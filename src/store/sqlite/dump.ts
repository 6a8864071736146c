import { constants, createWriteStream, existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Config, DatabaseConfig } from '../../config/index.js';
import { BackupError, messageOf } from '../../errors/index.js';
import { SECRET_META_KEYS, type DumpEngine, type ScratchDatabase } from '../dump-contract.js';
import { openStore } from '../open.js';
import { ensurePrivateDir } from '../private-dir.js';
import { openDatabase, prepareKept } from './driver.js';
import { onlineBackup } from './online-backup.js';

const SIDE_FILES = ['-wal', '-shm', '-journal'];
const removeDatabaseFiles = async (path: string): Promise<void> => {
  for (const suffix of ['', ...SIDE_FILES]) await rm(`${path}${suffix}`, { force: true });
};

/**
 * Takes the secret meta entries out of a copy. secure_delete overwrites their bytes with zeros,
 * in the page and in the copy's WAL, which closing folds back into the file.
 */
function scrubSecrets(path: string): void {
  const db = openDatabase(path, { fileMustExist: true });
  try {
    db.exec('PRAGMA secure_delete = ON');
    const del = prepareKept(db, `DELETE FROM meta WHERE key IN (${SECRET_META_KEYS.map(() => '?').join(', ')})`);
    del.run(...SECRET_META_KEYS);
  } finally {
    db.close();
  }
}

/** The embedded database: an online-backup copy of the file, without its secrets, is the dump. */
export function sqliteDump(config: Config): DumpEngine {
  return {
    kind: 'sqlite',
    fileName: 'database.sqlite',

    async dump(work, sink, now) {
      if (config.database.kind !== 'sqlite')
        throw new BackupError('target_incompatible', 'this installation does not use SQLite');
      if (config.database.path === ':memory:')
        throw new BackupError('target_incompatible', 'an in-memory SQLite database cannot be backed up');
      const plain = join(work, 'database.plain');
      const startedAt = now();
      try {
        await onlineBackup(config.database.path, plain);
      } catch (e) {
        throw new BackupError(
          'dump_failed',
          `SQLite online backup of ${config.database.path} failed: ${messageOf(e)}`,
          { cause: e },
        );
      }
      const endedAt = now();
      scrubSecrets(plain);
      // Counted in the copy itself, so the manifest's row counts are exactly the dump's even
      // while the server keeps taking joins.
      const copy = openStore({ kind: 'sqlite', path: plain });
      let tables: Record<string, number>;
      let schemaVersion: number;
      try {
        tables = await copy.admin.tableCounts();
        schemaVersion = await copy.schemaVersion();
      } finally {
        await copy.close();
      }
      for (const suffix of SIDE_FILES) await rm(`${plain}${suffix}`, { force: true });
      const file = await sink({ path: plain });
      await rm(plain, { force: true });
      return {
        file,
        startedAt,
        endedAt,
        tables,
        schemaVersion,
        schema: null,
        serverVersion: `SQLite ${sqliteVersion()}`,
        tool: 'better-sqlite3 online backup',
        meta: null,
      };
    },

    async restoreScratch(source, label, _schema, near): Promise<ScratchDatabase> {
      const path = near ? `${near}.restore-${label}` : join(config.tmpDir, `qk_verify_${label}.db`);
      // Our tmp folder is made private; a restore target's folder is the operator's, created if absent.
      if (near) await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      else await ensurePrivateDir(dirname(path));
      await removeDatabaseFiles(path);
      try {
        // An unencrypted dump is a database file already: a kernel copy is several times faster.
        if (source.plainPath) {
          await copyFile(source.plainPath, path, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
          await chmod(path, 0o600);
        } else await pipeline(source.open(), createWriteStream(path, { mode: 0o600, flags: 'wx' }));
      } catch (e) {
        await removeDatabaseFiles(path);
        throw e;
      }
      return { database: { kind: 'sqlite', path }, dispose: () => removeDatabaseFiles(path) };
    },

    async targetRows(target: DatabaseConfig) {
      if (target.kind !== 'sqlite')
        throw new BackupError('target_incompatible', 'a SQLite backup restores into a SQLite file');
      if (!existsSync(target.path) || (await stat(target.path)).size === 0) return 0;
      return countRows(target.path);
    },

    async restoreInto(target, scratch) {
      if (target.kind !== 'sqlite' || scratch.database.kind !== 'sqlite')
        throw new BackupError('target_incompatible', 'a SQLite backup restores into a SQLite file');
      await mkdir(dirname(target.path), { recursive: true, mode: 0o700 });
      // A stale -wal beside the new file would be replayed onto it: the side files go first.
      await removeDatabaseFiles(target.path);
      await rename(scratch.database.path, target.path);
      await scratch.dispose();
    },
  };
}

let version: string | undefined;
function sqliteVersion(): string {
  if (version === undefined) {
    const db = openDatabase(':memory:');
    version = (prepareKept(db, 'SELECT sqlite_version() AS v').get() as { v: string }).v;
    db.close();
  }
  return version;
}

/** Every row of every table, ours or not: anything there is data the restore would replace. */
function countRows(path: string): number {
  const db = openDatabase(path, { readonly: true, fileMustExist: true });
  try {
    db.exec('PRAGMA busy_timeout = 5000');
    const tables = prepareKept(
      db,
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'kysely_%'",
    ).all() as { name: string }[];
    let rows = 0;
    for (const t of tables)
      rows += (prepareKept(db, `SELECT count(*) AS n FROM "${t.name.replace(/"/g, '""')}"`).get() as { n: number }).n;
    return rows;
  } finally {
    db.close();
  }
}

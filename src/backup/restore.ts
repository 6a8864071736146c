import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDatabase, type Config, type DatabaseConfig } from '../config/index.js';
import { AppError, BackupError, ConfigError } from '../errors/index.js';
import { openStore } from '../store/open.js';
import { openDumpEngine, openServingClaims } from '../store/open-dump.js';
import { backupPath, isBackupId } from './ids.js';
import { readManifest } from './manifest.js';
import type { Verification } from './types.js';
import { restoreSecrets } from './secrets.js';
import { verifiersFor } from './signature.js';
import { dumpSource, inspectBackup } from './verify.js';

export interface RestoreOptions {
  /** A DATABASE_URL (postgres://…, sqlite:…) or a data dir; default: the configured database. */
  readonly to?: string;
  /** Replace a target that already holds data. */
  readonly force?: boolean;
  readonly now?: () => Date;
  readonly signal?: AbortSignal;
  readonly progress?: (line: string) => void;
}

export interface RestoreResult {
  readonly id: string;
  readonly target: string;
  readonly database: 'sqlite' | 'postgres';
  /** Rows the target held before; non-zero only with force. */
  readonly replacedRows: number;
  /** Measured restore time, verification included: the recovery time objective as it stands. */
  readonly rtoMs: number;
  readonly verification: Verification;
  readonly tables: Record<string, number>;
}

/** Where `--to` points: a URL as DATABASE_URL reads it, else a data dir (or a .db file). */
function resolveRestoreTarget(to: string | undefined, config: Config): DatabaseConfig {
  if (to === undefined || to === '') return config.database;
  if (/^postgres(ql)?:\/\//.test(to) || to.startsWith('sqlite:')) {
    try {
      return parseDatabase(to, config.dataDir);
    } catch (e) {
      if (e instanceof ConfigError)
        throw new AppError('validation_failed', `--to ${e.message.replace(/^DATABASE_URL: /, '')}`);
      throw e;
    }
  }
  const path = resolve(to);
  const isDir = existsSync(path) && statSync(path).isDirectory();
  if (!isDir && /\.(db|sqlite3?)$/i.test(path)) return { kind: 'sqlite', path };
  return { kind: 'sqlite', path: join(path, 'queuekeeper.db') };
}

/** The target for people to read, with any password hidden. */
function describeTarget(db: DatabaseConfig): string {
  if (db.kind === 'sqlite') return db.path;
  const u = new URL(db.url);
  if (u.password) u.password = '***';
  return `${u.toString()} (schema ${db.schema})`;
}

/**
 * Restores a backup into a target. The backup is verified first, by restoring it into scratch
 * (for SQLite the scratch file sits beside the target and is renamed into place, so the proof and
 * the restore are one pass); an Invalid backup or a non-empty target without `force` is refused
 * before anything is touched.
 */
export async function restoreBackup(config: Config, id: string, opts: RestoreOptions = {}): Promise<RestoreResult> {
  const say = opts.progress ?? (() => undefined);
  if (!isBackupId(id)) throw new AppError('validation_failed', 'a backup id is 1-64 characters from A-Z a-z 0-9 _ -');
  const target = resolveRestoreTarget(opts.to, config);
  const dir = backupPath(config.backup.dir, id);
  if (!existsSync(dir)) throw new BackupError('backup_not_found', `no backup ${id} in ${config.backup.dir}`);
  const read = await readManifest(dir, id);
  if (read.ok && read.manifest.database.kind !== target.kind)
    throw new BackupError(
      'target_incompatible',
      `backup ${id} holds a ${read.manifest.database.kind} dump; the target is ${target.kind}`,
    );
  const engine = openDumpEngine(target.kind, config);
  say(`checking the target ${describeTarget(target)}`);
  const replacedRows = await engine.targetRows(target);
  // Held until the end: no server may run on the target while its data is replaced.
  const claim = await openServingClaims(target).restore();
  try {
    if (replacedRows > 0 && !opts.force)
      throw new BackupError('target_not_empty', `the target holds ${replacedRows} rows; pass --force to replace them`, {
        details: { rows: replacedRows },
      });
    return await putInPlace(config, id, target, replacedRows, opts);
  } finally {
    await claim.release();
  }
}

async function putInPlace(
  config: Config,
  id: string,
  target: DatabaseConfig,
  replacedRows: number,
  opts: RestoreOptions,
): Promise<RestoreResult> {
  const say = opts.progress ?? (() => undefined);
  const engine = openDumpEngine(target.kind, config);
  const dir = backupPath(config.backup.dir, id);
  const started = performance.now();
  say(`verifying backup ${id}`);
  const inspection = await inspectBackup(config, id, {
    keep: true,
    ...(target.kind === 'sqlite' ? { near: target.path } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.progress ? { progress: opts.progress } : {}),
  });
  const v = inspection.verification;
  const m = inspection.manifest;
  const restored = inspection.restored;
  if (v.status === 'Invalid' || restored === null || m === null) {
    await inspection.release();
    throw new BackupError(
      'backup_invalid',
      `backup ${id} is Invalid (${v.reason ?? 'not restorable'}); nothing was restored`,
      { details: { failedCheck: v.failedCheck } },
    );
  }
  await restored.store.close();
  say('putting the backup into place');
  try {
    await engine.restoreInto(
      target,
      restored.scratch,
      dumpSource(dir, m, config.backup.encryptionKey),
      m.database.schema,
    );
  } finally {
    await restored.scratch.dispose();
  }
  // SQLite adopted the checked file itself; PostgreSQL restored a second time, so count again.
  if (target.kind === 'postgres') await expectCounts(target, m.tables);
  // Last, so that the counts above compare the dump's rows alone.
  const secrets = openStore(target, { poolSize: 2 });
  try {
    await restoreSecrets(m, await verifiersFor(config), secrets);
  } finally {
    await secrets.close();
  }
  return {
    id,
    target: describeTarget(target),
    database: target.kind,
    replacedRows,
    rtoMs: Math.round(performance.now() - started),
    verification: v,
    tables: m.tables,
  };
}

async function expectCounts(target: DatabaseConfig, tables: Record<string, number>): Promise<void> {
  const store = openStore(target, { poolSize: 2 });
  try {
    const counts = await store.admin.tableCounts();
    for (const [table, n] of Object.entries(tables))
      if (counts[table] !== n)
        throw new BackupError(
          'restore_failed',
          `after the restore, table ${table} has ${counts[table] ?? 'no'} rows; the backup has ${n}`,
        );
  } finally {
    await store.close();
  }
}

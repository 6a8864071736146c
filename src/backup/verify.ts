import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/index.js';
import { AppError, BackupError, messageOf } from '../errors/index.js';
import type { Store } from '../store/contract.js';
import { openStore } from '../store/open.js';
import { backupIds, recordVerification } from './catalog.js';
import {
  checkConfigSnapshot,
  checkEncryption,
  checkFiles,
  checkIntegrity,
  checkLiveSnapshot,
  checkRowCounts,
  type CheckAnswer,
} from './checks.js';
import type { DumpSource, ScratchDatabase } from '../store/dump-contract.js';
import { openDumpEngine } from '../store/open-dump.js';
import { plainSource } from './files.js';
import { backupPath, isBackupId } from './ids.js';
import { readManifest, type Manifest } from './manifest.js';
import { checkSignature, verifiersFor } from './signature.js';
import type { BackupStatus, CheckName, CheckResult, PartName, PartResult, Verification } from './types.js';

export interface VerifyOptions {
  readonly now?: () => Date;
  readonly signal?: AbortSignal;
  readonly progress?: (line: string) => void;
  /** Keep the restored scratch database open for the caller (restore, disaster recovery). */
  readonly keep?: boolean;
  /** Put a SQLite scratch file beside this path, so that restore can rename it into place. */
  readonly near?: string;
  /** Write the outcome to the backup's verification.json (default true). */
  readonly record?: boolean;
}

/** A verification, plus the restored database when it was kept. `release()` drops it. */
export interface Inspection {
  readonly verification: Verification;
  readonly manifest: Manifest | null;
  readonly restored: { readonly store: Store; readonly scratch: ScratchDatabase } | null;
  release(): Promise<void>;
}

/** The backup's dump as an engine restores it. */
export function dumpSource(dir: string, m: Manifest, key: Buffer | null): DumpSource {
  const f = m.files.database;
  const path = join(dir, f.name);
  return {
    open: () => plainSource(path, f, key),
    plainPath: m.encryption === null ? path : null,
    meta: m.database.meta ?? null,
  };
}

const PARTS: PartName[] = ['database', 'live', 'configuration'];
const failure = (detail: string): CheckAnswer => ({ ok: false, detail, parts: PARTS });
const scratchLabel = (id: string): string =>
  `${id
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 40)}_${randomBytes(3).toString('hex')}`;

/** Verifies a backup (default: the newest) and drops everything it restored. */
export async function verifyBackup(config: Config, id?: string, opts: VerifyOptions = {}): Promise<Verification> {
  const inspection = await inspectBackup(config, id, { ...opts, keep: false });
  return inspection.verification;
}

/**
 * Runs the checks in order (types.ts CHECKS). Every check whose input is intact still runs after
 * another part failed, so each part gets its own status; the overall reason is the first failure.
 * An unknown id is an error (`backup_not_found`); no backups at all is the status Missing.
 */
export async function inspectBackup(
  config: Config,
  id: string | undefined,
  opts: VerifyOptions = {},
): Promise<Inspection> {
  const now = opts.now ?? (() => new Date());
  const say = opts.progress ?? (() => undefined);
  const started = performance.now();
  const checkedAt = now();
  const root = config.backup.dir;
  if (id !== undefined && !isBackupId(id))
    throw new AppError('validation_failed', 'a backup id is 1-64 characters from A-Z a-z 0-9 _ -');
  const chosen = id ?? (await backupIds(root))[0];
  const checks: CheckResult[] = [];
  const failed = new Map<PartName, string>();
  let restored: Inspection['restored'] = null;
  let manifest: Manifest | null = null;
  let restoreMs: number | null = null;

  const release = async (): Promise<void> => {
    const r = restored;
    restored = null;
    if (r) await r.store.close().finally(() => r.scratch.dispose());
  };
  const finish = async (): Promise<Inspection> => {
    const v = conclude(config, { id: chosen ?? null, manifest, checks, failed, restoreMs, checkedAt, started, root });
    if (opts.record !== false) await recordVerification(config, v);
    if (!opts.keep || v.status === 'Invalid') await release();
    return { verification: v, manifest, restored, release };
  };
  if (chosen === undefined) return finish();
  const dir = backupPath(root, chosen);
  if (
    !(await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  )
    throw new BackupError('backup_not_found', `no backup ${chosen} in ${root}`);

  /** Runs one check; a check that throws fails the parts it was about. */
  const run = async (
    name: CheckName,
    fn: () => Promise<CheckAnswer> | CheckAnswer,
    about: PartName[] = PARTS,
  ): Promise<boolean> => {
    opts.signal?.throwIfAborted();
    say(`checking ${name}`);
    const t0 = performance.now();
    const answer = await Promise.resolve()
      .then(fn)
      .catch((e: unknown): CheckAnswer => ({
        ok: false,
        detail: `${name} check could not run: ${messageOf(e)}`,
        parts: about,
      }));
    checks.push({ name, ok: answer.ok, detail: answer.detail, durationMs: Math.round(performance.now() - t0) });
    if (!answer.ok) for (const p of answer.parts) if (!failed.has(p)) failed.set(p, answer.detail);
    return answer.ok;
  };
  const intact = (p: PartName) => !failed.has(p);

  try {
    const read = await readManifest(dir, chosen);
    await run('manifest', () =>
      read.ok
        ? {
            ok: true,
            detail: `created ${read.manifest.createdAt} by ${read.manifest.app.name} ${read.manifest.app.version}`,
          }
        : { ok: false, detail: read.reason, parts: PARTS },
    );
    if (!read.ok) return await finish();
    const signed = read.manifest;
    const authentic = await run('signature', async () => {
      const c = checkSignature(signed, await verifiersFor(config), 'manifest.json');
      return c.ok ? { ok: true, detail: `signed with key ${c.keyId}` } : failure(c.why);
    });
    // An unsigned or altered manifest vouches for nothing: no check below could be believed.
    if (!authentic) return await finish();
    const m = (manifest = signed);
    const key = config.backup.encryptionKey;
    await run('files', () => checkFiles(dir, m, opts.signal));
    if (!(await run('encryption', () => checkEncryption(m, key)))) return await finish();
    if (intact('database')) {
      await run(
        'restore',
        async () => {
          const engine = openDumpEngine(m.database.kind, config);
          const t0 = performance.now();
          const scratch = await engine.restoreScratch(
            dumpSource(dir, m, key),
            scratchLabel(chosen),
            m.database.schema,
            opts.near,
          );
          const store = openStore(scratch.database, { poolSize: 4 });
          restored = { store, scratch };
          try {
            await store.ping(10_000);
          } catch (e) {
            await release();
            throw e;
          }
          restoreMs = Math.round(performance.now() - t0);
          return { ok: true, detail: `restored into a scratch ${m.database.kind} database in ${restoreMs} ms` };
        },
        ['database'],
      );
    }
    const db = restored as Inspection['restored'];
    if (db === null) failed.set('live', failed.get('live') ?? 'not compared: the database dump did not restore');
    else {
      if (intact('database')) await run('integrity', () => checkIntegrity(db.store, m), ['database']);
      if (intact('database')) await run('rowCounts', () => checkRowCounts(db.store, m), ['database']);
      if (intact('live')) await run('liveSnapshot', () => checkLiveSnapshot(dir, m, key, db.store), ['live']);
    }
    if (intact('configuration'))
      await run('configSnapshot', () => checkConfigSnapshot(dir, m, config), ['configuration']);
    return await finish();
  } catch (e) {
    await release();
    throw e;
  }
}

function conclude(
  config: Config,
  s: {
    id: string | null;
    manifest: Manifest | null;
    checks: CheckResult[];
    failed: Map<PartName, string>;
    restoreMs: number | null;
    checkedAt: Date;
    started: number;
    root: string;
  },
): Verification {
  const createdAt = s.manifest?.createdAt ?? null;
  const ageMs = createdAt === null ? null : s.checkedAt.getTime() - Date.parse(createdAt);
  const first = s.checks.find((c) => !c.ok) ?? null;
  const aged = ageMs !== null && ageMs > config.backup.maxAgeMs;
  const staleReason = aged
    ? `created ${hours(ageMs)} h ago; backups older than ${hours(config.backup.maxAgeMs)} h are stale`
    : null;
  let status: BackupStatus = aged ? 'Stale' : 'Valid';
  let reason: string | null = staleReason;
  if (s.id === null) [status, reason] = ['Missing', `no backup in ${s.root}`];
  else if (first || s.failed.size > 0)
    [status, reason] = ['Invalid', first?.detail ?? [...s.failed.values()][0] ?? 'invalid'];
  const part = (p: PartName): PartResult => {
    if (status === 'Missing') return { status, reason };
    const why = s.failed.get(p);
    if (why !== undefined) return { status: 'Invalid', reason: why };
    return aged ? { status: 'Stale', reason: staleReason } : { status: 'Valid', reason: null };
  };
  return {
    id: s.id,
    status,
    reason,
    failedCheck: first?.name ?? null,
    createdAt,
    ageMs,
    checkedAt: s.checkedAt.toISOString(),
    durationMs: Math.round(performance.now() - s.started),
    restoreMs: s.restoreMs,
    parts: { database: part('database'), live: part('live'), configuration: part('configuration') },
    checks: s.checks,
    tables: s.manifest?.tables ?? null,
  };
}

const hours = (ms: number): string => (ms / 3_600_000).toFixed(1);

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Config } from '../config/index.js';
import { AppError } from '../errors/index.js';
import { writePrivateFile } from './files.js';
import { backupPath, isBackupId, newestFirst, TMP_PREFIX } from './ids.js';
import { isoTime, readManifest } from './manifest.js';
import { checkSignature, signDocument, signerFor, verifiersFor } from './signature.js';
import { CHECKS, type Verification } from './types.js';

/**
 * The backups folder as a list. The last verification of each backup is kept beside it in
 * `verification.json`, so listing shows proof without restoring every backup again.
 */
const VERIFICATION_FILE = 'verification.json';

const status = z.enum(['Valid', 'Invalid', 'Missing', 'Stale']);
const part = z.object({ status, reason: z.string().nullable() }).strict();
const recordSchema = z
  .object({
    status,
    reason: z.string().max(2000).nullable(),
    failedCheck: z.enum(CHECKS).nullable(),
    checkedAt: isoTime,
    parts: z.object({ database: part, live: part, configuration: part }).strict(),
    signature: z
      .object({ algorithm: z.literal('hmac-sha256'), keyId: z.string(), value: z.string() })
      .strict()
      .optional(),
  })
  .strict();
type VerificationRecord = Omit<z.infer<typeof recordSchema>, 'signature'>;

export interface BackupListItem {
  readonly id: string;
  readonly createdAt: string | null;
  readonly sizeBytes: number;
  readonly database: 'sqlite' | 'postgres' | null;
  readonly encrypted: boolean | null;
  readonly schemaVersion: number | null;
  readonly tables: Record<string, number> | null;
  /** Why the manifest cannot be used, or null. Such a backup is Invalid. */
  readonly manifestProblem: string | null;
  /** Older than `backup.maxAgeMs` now; null when its age is unknown. */
  readonly stale: boolean | null;
  readonly lastVerification: VerificationRecord | null;
}

/** Ids of complete backups, newest first. Half-written `.tmp-` folders are not backups. */
export async function backupIds(root: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return newestFirst(
    entries.filter((e) => e.isDirectory() && !e.name.startsWith(TMP_PREFIX) && isBackupId(e.name)).map((e) => e.name),
  );
}

/** The last verification, or null when there is none or its signature does not hold (it proves nothing). */
async function readVerification(config: Config, id: string): Promise<VerificationRecord | null> {
  try {
    const parsed = recordSchema.safeParse(
      JSON.parse(await readFile(join(backupPath(config.backup.dir, id), VERIFICATION_FILE), 'utf8')),
    );
    if (!parsed.success || !checkSignature(parsed.data, await verifiersFor(config), VERIFICATION_FILE).ok) return null;
    const { signature: _, ...record } = parsed.data;
    return record;
  } catch {
    return null;
  }
}

/**
 * Best effort: a read-only backup folder still verifies, it just keeps no record. Signed like the
 * manifest, so that a forged record cannot show an altered backup as Valid in the list.
 */
export async function recordVerification(config: Config, v: Verification): Promise<void> {
  if (v.id === null || v.status === 'Missing') return;
  const record: VerificationRecord = {
    status: v.status,
    reason: v.reason,
    failedCheck: v.failedCheck,
    checkedAt: v.checkedAt,
    parts: v.parts,
  };
  const path = join(backupPath(config.backup.dir, v.id), VERIFICATION_FILE);
  await signerFor(config)
    .then((signer) => writePrivateFile(path, JSON.stringify(signDocument(record, signer), null, 2)))
    .catch(() => undefined);
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir).catch(() => [] as string[]))
    total += await stat(join(dir, name)).then(
      (s) => (s.isFile() ? s.size : 0),
      () => 0,
    );
  return total;
}

export async function describeBackup(config: Config, id: string, now: Date): Promise<BackupListItem | null> {
  const dir = backupPath(config.backup.dir, id);
  if (
    !isBackupId(id) ||
    !(await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  )
    return null;
  const read = await readManifest(dir, id);
  const m = read.ok ? read.manifest : null;
  return {
    id,
    createdAt: m?.createdAt ?? null,
    sizeBytes: await folderBytes(dir),
    database: m?.database.kind ?? null,
    encrypted: m ? m.encryption !== null : null,
    schemaVersion: m?.schemaVersion ?? null,
    tables: m?.tables ?? null,
    manifestProblem: read.ok ? null : read.reason,
    stale: m ? now.getTime() - Date.parse(m.createdAt) > config.backup.maxAgeMs : null,
    lastVerification: await readVerification(config, id),
  };
}

export interface BackupPage {
  readonly items: BackupListItem[];
  readonly nextCursor: string | null;
}

/** Newest first; the cursor is the last id of the previous page. */
export async function listBackups(
  config: Config,
  opts: { limit: number; cursor?: string; now?: Date },
): Promise<BackupPage> {
  if (opts.cursor !== undefined && !isBackupId(opts.cursor))
    throw new AppError('validation_failed', 'cursor is not a backup id');
  const ids = (await backupIds(config.backup.dir)).filter((id) => opts.cursor === undefined || id < opts.cursor);
  const page = ids.slice(0, opts.limit);
  const items: BackupListItem[] = [];
  for (const id of page) {
    const item = await describeBackup(config, id, opts.now ?? new Date());
    if (item) items.push(item);
  }
  return { items, nextCursor: ids.length > opts.limit ? (page[page.length - 1] ?? null) : null };
}

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/index.js';
import type { Store } from '../store/contract.js';
import { keyId } from './cipher.js';
import { configSnapshotSchema } from './config-snapshot.js';
import { messageOf } from '../errors/index.js';
import { hashFile, readPlainText } from './files.js';
import { compareWithRestored, liveSnapshotSchema } from './live-snapshot.js';
import { FILE_ROLES, firstIssue, type FileRole, type Manifest } from './manifest.js';
import type { PartName } from './types.js';

/**
 * The checks of `verify`, one function each. Each answers "ok" or the first problem it found,
 * worded for the operator who has to act on it.
 */
export type CheckAnswer = { ok: true; detail: string } | { ok: false; detail: string; parts: PartName[] };

const pass = (detail: string): CheckAnswer => ({ ok: true, detail });
const failure = (detail: string, ...parts: PartName[]): CheckAnswer => ({ ok: false, detail, parts });
const PART_OF: Record<FileRole, PartName> = { database: 'database', live: 'live', configuration: 'configuration' };
/** A live snapshot of ten million tickets is about 300 MB of JSON. */
const MAX_SNAPSHOT_BYTES = 1 << 30;
const MAX_CONFIG_BYTES = 16 << 20;

/** Every file is there, with the size and sha256 the manifest recorded. */
export async function checkFiles(dir: string, m: Manifest, signal?: AbortSignal): Promise<CheckAnswer> {
  const problems: { part: PartName; text: string }[] = [];
  for (const role of FILE_ROLES) {
    const f = m.files[role];
    const path = join(dir, f.name);
    const size = await stat(path).then(
      (s) => (s.isFile() ? s.size : null),
      () => null,
    );
    if (size === null) problems.push({ part: PART_OF[role], text: `${f.name} is missing` });
    else if (size !== f.size)
      problems.push({ part: PART_OF[role], text: `${f.name} is ${size} bytes; the manifest says ${f.size}` });
    else if ((await hashFile(path, signal)).sha256 !== f.sha256)
      problems.push({ part: PART_OF[role], text: `${f.name} does not match the sha256 in the manifest` });
  }
  if (problems.length === 0) return pass(`${FILE_ROLES.length} files match their size and sha256`);
  return failure(problems.map((p) => p.text).join('; '), ...problems.map((p) => p.part));
}

export function checkEncryption(m: Manifest, key: Buffer | null): CheckAnswer {
  if (m.encryption === null) return pass('not encrypted');
  const all: PartName[] = ['database', 'live', 'configuration'];
  if (key === null)
    return failure(
      `encrypted with key ${m.encryption.keyId} and no backup encryption key is configured (QK_BACKUP_ENCRYPTION_KEY)`,
      ...all,
    );
  if (keyId(key) !== m.encryption.keyId)
    return failure(`encrypted with key ${m.encryption.keyId}; the configured key is ${keyId(key)}`, ...all);
  return pass(`AES-256-GCM with key ${m.encryption.keyId}`);
}

/** The restored database passes the engine's and our own integrity checks. */
export async function checkIntegrity(restored: Store, m: Manifest): Promise<CheckAnswer> {
  const report = await restored.admin.integrity();
  if (report.problems.length > 0)
    return failure(
      `the restored database fails its integrity check: ${report.problems.slice(0, 3).join('; ')}`,
      'database',
    );
  const version = await restored.schemaVersion();
  if (version !== m.schemaVersion)
    return failure(
      `the restored database is at schema version ${version}; the manifest says ${m.schemaVersion}`,
      'database',
    );
  const skipped = report.notChecked.length > 0 ? ` (not checked: ${report.notChecked.join('; ')})` : '';
  return pass(`integrity ok at schema version ${version}${skipped}`);
}

export async function checkRowCounts(restored: Store, m: Manifest): Promise<CheckAnswer> {
  const counts = await restored.admin.tableCounts();
  for (const table of new Set([...Object.keys(m.tables), ...Object.keys(counts)].sort())) {
    const want = m.tables[table];
    const have = counts[table];
    if (want !== have)
      return failure(
        `table ${table} has ${have ?? 'no'} rows in the restored database; the manifest says ${want ?? 'nothing'}`,
        'database',
      );
  }
  return pass(`row counts of ${Object.keys(counts).length} tables equal the manifest`);
}

async function readJson(
  path: string,
  f: Manifest['files'][FileRole],
  key: Buffer | null,
  maxBytes: number,
): Promise<{ ok: true; value: unknown } | { ok: false; why: string }> {
  let text: string;
  try {
    text = await readPlainText(path, f, key, maxBytes);
  } catch (e) {
    return { ok: false, why: `${f.name} cannot be read: ${messageOf(e)}` };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, why: `${f.name} is not valid JSON: ${messageOf(e)}` };
  }
}

/** The live snapshot parses and equals the waiting order rebuilt from the restored database. */
export async function checkLiveSnapshot(
  dir: string,
  m: Manifest,
  key: Buffer | null,
  restored: Store,
): Promise<CheckAnswer> {
  const f = m.files.live;
  const read = await readJson(join(dir, f.name), f, key, MAX_SNAPSHOT_BYTES);
  if (!read.ok) return failure(read.why, 'live');
  const parsed = liveSnapshotSchema.safeParse(read.value);
  if (!parsed.success) return failure(`${f.name} is malformed at ${firstIssue(parsed.error)}`, 'live');
  const snap = parsed.data;
  if (snap.takenAt !== m.live.takenAt || snap.counters.entries !== m.live.entries)
    return failure(`${f.name} is not the snapshot the manifest describes`, 'live');
  const cmp = await compareWithRestored(snap, restored);
  return cmp.ok ? pass(cmp.detail) : failure(cmp.detail, 'live');
}

export async function checkConfigSnapshot(dir: string, m: Manifest, config: Config): Promise<CheckAnswer> {
  const f = m.files.configuration;
  const read = await readJson(join(dir, f.name), f, config.backup.encryptionKey, MAX_CONFIG_BYTES);
  if (!read.ok) return failure(read.why, 'configuration');
  const parsed = configSnapshotSchema.safeParse(read.value);
  if (!parsed.success) return failure(`${f.name} is malformed at ${firstIssue(parsed.error)}`, 'configuration');
  if (parsed.data.config.database.kind !== m.database.kind)
    return failure(
      `${f.name} describes a ${parsed.data.config.database.kind} installation; the dump is ${m.database.kind}`,
      'configuration',
    );
  return pass(`configuration snapshot parses (${parsed.data.config.maintenance.plans.length} plans, secrets redacted)`);
}

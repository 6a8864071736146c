import { rm } from 'node:fs/promises';
import type { Config } from '../config/index.js';
import { backupIds } from './catalog.js';
import { removeAbandoned, removeTrash, trashFolders } from './claim.js';
import { backupPath, TMP_PREFIX } from './ids.js';
import { readManifest } from './manifest.js';
import type { BackupStatus } from './types.js';
import { unfinishedBackups } from './unfinished.js';
import { verifyBackup } from './verify.js';

export interface RetentionPolicy {
  readonly keepDaily: number;
  readonly keepWeekly: number;
  readonly keepMonthly: number;
  /** Days, weeks and months are counted in the maintenance time zone. */
  readonly timezone: string;
}

export interface DatedBackup {
  readonly id: string;
  readonly createdAt: Date;
}

function localDate(d: Date, timezone: string): { y: number; m: number; day: number } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(d);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  return { y: get('year'), m: get('month'), day: get('day') };
}

/** ISO 8601 week of a calendar date, as "2026-W48". */
function isoWeek(y: number, m: number, day: number): string {
  const d = new Date(Date.UTC(y, m - 1, day));
  const weekday = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/**
 * Grandfather-father-son: the newest backup of each of the last `keepDaily` days that have one,
 * of each of the last `keepWeekly` ISO weeks and of each of the last `keepMonthly` months.
 * Returns the ids to keep, each with why.
 */
export function selectRetained(backups: readonly DatedBackup[], policy: RetentionPolicy): Map<string, string[]> {
  const newest = [...backups].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const keep = new Map<string, string[]>();
  const tier = (n: number, why: string, bucket: (d: { y: number; m: number; day: number }) => string): void => {
    const seen = new Set<string>();
    for (const b of newest) {
      const key = bucket(localDate(b.createdAt, policy.timezone));
      if (seen.has(key)) continue;
      if (seen.size >= n) break;
      seen.add(key);
      keep.set(b.id, [...(keep.get(b.id) ?? []), why]);
    }
  };
  tier(policy.keepDaily, 'daily', (d) => `${d.y}-${d.m}-${d.day}`);
  tier(policy.keepWeekly, 'weekly', (d) => isoWeek(d.y, d.m, d.day));
  tier(policy.keepMonthly, 'monthly', (d) => `${d.y}-${d.m}`);
  return keep;
}

export interface PruneResult {
  readonly dryRun: boolean;
  readonly kept: { id: string; why: string[] }[];
  readonly deleted: string[];
  /** Folders whose manifest cannot be read: left alone for a person to look at. */
  readonly unreadable: { id: string; reason: string }[];
  readonly newestValid: string | null;
  /** Backups verified (newest first) to find the newest valid one. */
  readonly verified: { id: string; status: BackupStatus }[];
  /** `.tmp-` folders of crashed creates, each claimed (renamed to `.trash-`) and then deleted. */
  readonly abandonedTmpRemoved: string[];
  /** `.trash-` folders that an earlier prune claimed but did not finish deleting. */
  readonly trashRemoved: string[];
}

/**
 * Applies the retention policy of `config.backup`. The newest backup that verifies (Valid or
 * Stale) is never deleted, whatever the policy says: it may be the only one that restores.
 */
export async function pruneBackups(
  config: Config,
  opts: { dryRun?: boolean; now?: () => Date; signal?: AbortSignal } = {},
): Promise<PruneResult> {
  const now = opts.now ?? (() => new Date());
  const root = config.backup.dir;
  const dated: DatedBackup[] = [];
  const unreadable: { id: string; reason: string }[] = [];
  for (const id of await backupIds(root)) {
    const read = await readManifest(backupPath(root, id), id);
    if (read.ok) dated.push({ id, createdAt: new Date(read.manifest.createdAt) });
    else unreadable.push({ id, reason: read.reason });
  }
  const { keepDaily, keepWeekly, keepMonthly } = config.backup;
  const keep = selectRetained(dated, { keepDaily, keepWeekly, keepMonthly, timezone: config.timezone });

  const verified: { id: string; status: BackupStatus }[] = [];
  let newestValid: string | null = null;
  for (const b of [...dated].sort((x, y) => y.createdAt.getTime() - x.createdAt.getTime())) {
    const v = await verifyBackup(config, b.id, { now, ...(opts.signal ? { signal: opts.signal } : {}) });
    verified.push({ id: b.id, status: v.status });
    if (v.status === 'Valid' || v.status === 'Stale') {
      newestValid = b.id;
      keep.set(b.id, [...(keep.get(b.id) ?? []), 'newest valid']);
      break;
    }
  }

  const deleted = dated.filter((b) => !keep.has(b.id)).map((b) => b.id);
  // Only creates whose heartbeat stopped: a fresh one belongs to a writer still running, maybe on another node.
  let abandoned = (await unfinishedBackups(root, now())).abandoned.map((b) => b.id);
  const trash = await trashFolders(root);
  if (!opts.dryRun) {
    for (const id of deleted) await rm(backupPath(root, id), { recursive: true, force: true });
    for (const name of trash) await removeTrash(root, name);
    abandoned = await removeAbandoned(root, abandoned, now);
  }
  const kept = dated.filter((b) => keep.has(b.id)).map((b) => ({ id: b.id, why: keep.get(b.id) ?? [] }));
  return {
    dryRun: opts.dryRun === true,
    kept,
    deleted,
    unreadable,
    newestValid,
    verified,
    abandonedTmpRemoved: abandoned.map((id) => `${TMP_PREFIX}${id}`),
    trashRemoved: trash,
  };
}

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/** Ids are 1-64 characters from [A-Za-z0-9_-] (docs/api.md). */
export const BACKUP_ID = /^[A-Za-z0-9_-]{1,64}$/;

export const isBackupId = (s: string): boolean => BACKUP_ID.test(s);

/**
 * `bk_<UTC time to the millisecond>_<random>`: sorting ids as strings sorts backups by time, and
 * two backups started in the same millisecond (several nodes) still get different ids.
 */
export function newBackupId(at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `bk_${stamp}_${randomBytes(4).toString('hex')}`;
}

/** A backup is written here and renamed to its id only once complete. */
export const TMP_PREFIX = '.tmp-';
/**
 * A crashed create that a prune claimed (renamed) before deleting it. The name is no backup id
 * and has no `.tmp-` prefix, so nothing lists it, and a writer that was only paused can no longer
 * finish into it.
 */
export const TRASH_PREFIX = '.trash-';
/**
 * A `.tmp-` folder without a heartbeat (written by an older version, see lease.ts) untouched for
 * this long is a crashed create. Folders with a heartbeat are judged by it (LEASE_STALE_MS).
 */
export const ABANDONED_MS = 24 * 3_600_000;

export const backupPath = (root: string, id: string): string => join(root, id);
export const tmpBackupPath = (root: string, id: string): string => join(root, `${TMP_PREFIX}${id}`);

/** Newest first: ids sort by time, so a reverse string sort is enough. */
export const newestFirst = (ids: readonly string[]): string[] => [...ids].sort().reverse();

/**
 * Glossary
 * - Backup: a folder `<backups>/<id>/` with a database dump, a live-state snapshot (each queue's
 *   waiting order from the live index), a configuration snapshot without secrets, and
 *   `manifest.json`, which records the sha256 and size of each file and the row count of each table.
 * - Verify: proves a backup by restoring it. Checks run in a fixed order (CHECKS); the first that
 *   fails gives the reason. A manifest whose signature does not hold stops verification: nothing
 *   it says can be trusted. The dump is restored into a scratch database that is always dropped.
 * - Part: what the maintenance figures report separately: the database dump, the live snapshot
 *   (reported as `redisBackupStatus`, its figure name), and the configuration snapshot.
 * - Status: `Valid`; `Invalid` (a check failed); `Missing` (no backup); `Stale` (every check
 *   passed, but the backup is older than `backup.maxAgeMs`).
 * - RTO: measured time to restore a backup, with proof, until it can serve. RPO: age of the
 *   newest valid backup, i.e. the data a disaster would lose now.
 */
export type BackupStatus = 'Valid' | 'Invalid' | 'Missing' | 'Stale';

/** The checks of `verify`, in the order they run. */
export const CHECKS = [
  'manifest',
  'signature',
  'files',
  'encryption',
  'restore',
  'integrity',
  'rowCounts',
  'liveSnapshot',
  'configSnapshot',
] as const;
export type CheckName = (typeof CHECKS)[number];

export type PartName = 'database' | 'live' | 'configuration';

export interface CheckResult {
  readonly name: CheckName;
  readonly ok: boolean;
  readonly detail: string;
  readonly durationMs: number;
}

export interface PartResult {
  readonly status: BackupStatus;
  readonly reason: string | null;
}

/** The result of verifying one backup (or of finding none). */
export interface Verification {
  readonly id: string | null;
  readonly status: BackupStatus;
  /** The first failing check's detail, why it is stale, or why it is missing; null when Valid. */
  readonly reason: string | null;
  readonly failedCheck: CheckName | null;
  readonly createdAt: string | null;
  readonly ageMs: number | null;
  readonly checkedAt: string;
  readonly durationMs: number;
  /** Time to restore the dump into the scratch database and open it. */
  readonly restoreMs: number | null;
  readonly parts: Readonly<Record<PartName, PartResult>>;
  readonly checks: readonly CheckResult[];
  readonly tables: Readonly<Record<string, number>> | null;
}

/** Backups that are proven by restoring them (docs/backups.md). See types.ts for the glossary. */
export {
  backupIds,
  describeBackup,
  listBackups,
  readVerification,
  type BackupListItem,
  type BackupPage,
  type VerificationRecord,
} from './catalog.js';
export { createBackup, type BackupDeps, type BackupSummary } from './create.js';
export { BACKUP_REASONS, BackupError, isBackupError, type BackupReason } from '../errors/index.js';
export { isBackupId, newBackupId } from './ids.js';
export { BackupJobs, type BackupJob } from './jobs.js';
export { IN_FLIGHT_SLACK_MS } from './live-snapshot.js';
export { manifestSchema, type Manifest } from './manifest.js';
export { pruneBackups, selectRetained, type DatedBackup, type PruneResult, type RetentionPolicy } from './prune.js';
export {
  describeTarget,
  resolveRestoreTarget,
  restoreBackup,
  type RestoreOptions,
  type RestoreResult,
} from './restore.js';
export {
  CHECKS,
  type BackupStatus,
  type CheckName,
  type CheckResult,
  type PartName,
  type PartResult,
  type Verification,
} from './types.js';
export { inspectBackup, verifyBackup, type Inspection, type VerifyOptions } from './verify.js';

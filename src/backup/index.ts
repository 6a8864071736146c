/** Backups that are proven by restoring them (docs/backups.md). See types.ts for the glossary. */
export { backupIds, describeBackup, listBackups, type BackupListItem } from './catalog.js';
export { createBackup, type BackupSummary } from './create.js';
export { isBackupError } from '../errors/index.js';
export { isBackupId } from './ids.js';
export { BackupJobs } from './jobs.js';
export { unfinishedBackups, type UnfinishedBackup } from './unfinished.js';
export { type Manifest } from './manifest.js';
export { pruneBackups, selectRetained, type DatedBackup } from './prune.js';
export { restoreBackup } from './restore.js';
export { CHECKS, type PartName, type Verification } from './types.js';
export { inspectBackup, verifyBackup, type Inspection } from './verify.js';

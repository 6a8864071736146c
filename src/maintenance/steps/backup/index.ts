import { createBackup, isBackupError, verifyBackup, type BackupSummary } from '../../../backup/index.js';
import type { Step } from '../../step.js';
import type { Finding } from '../../types.js';

/**
 * The `backup` plan's step: create a backup, then prove it by verifying it (a scratch restore).
 * A backup that does not verify fails the step: an unproven backup is not a backup. Old backups
 * are left to `pruneBackups`, which the weekly clean-up calls.
 */
export const backupStep: Step = async (ctx) => {
  const findings: Finding[] = [];
  let created: BackupSummary;
  try {
    created = await createBackup({
      config: ctx.config,
      store: ctx.store,
      live: ctx.live,
      now: () => ctx.now(),
      signal: ctx.signal,
    });
  } catch (e) {
    const reason = isBackupError(e) ? e.reason : 'failed';
    const message = `backup could not be created: ${(e as Error).message}`;
    return {
      status: 'failed',
      figures: { created: false, reason },
      findings: [{ severity: 'error', message }],
      error: message,
    };
  }
  const v = await verifyBackup(ctx.config, created.id, { now: () => ctx.now(), signal: ctx.signal });
  if (v.status !== 'Valid')
    findings.push({
      severity: 'error',
      message: `backup ${created.id} is ${v.status}: ${v.reason ?? 'no reason given'}`,
    });
  else
    findings.push({
      severity: 'info',
      message: `backup ${created.id} created in ${created.durationMs} ms and verified by restoring it in ${v.restoreMs ?? '?'} ms`,
    });
  return {
    status: v.status === 'Valid' ? 'succeeded' : 'failed',
    figures: {
      backupId: created.id,
      status: v.status,
      reason: v.reason,
      failedCheck: v.failedCheck,
      database: created.database,
      encrypted: created.encrypted,
      sizeBytes: created.sizeBytes,
      createMs: created.durationMs,
      verifyMs: v.durationMs,
      restoreMs: v.restoreMs,
      tables: created.tables,
      liveEntries: created.liveEntries,
    },
    findings,
    error: v.status === 'Valid' ? null : v.reason,
  };
};

import {
  isBackupError,
  unfinishedBackups,
  verifyBackup,
  type PartName,
  type UnfinishedBackup,
  type Verification,
} from '../../../backup/index.js';
import { statusFrom, type Step } from '../../step.js';
import type { Finding } from '../../types.js';

/** Figure names as docs/maintenance.md lists them; `redis` is the live-state snapshot, whichever backend holds it. */
const FIGURE: Record<PartName, string> = {
  database: 'databaseBackup',
  live: 'redisBackup',
  configuration: 'configurationBackup',
};
const LABEL: Record<PartName, string> = {
  database: 'database backup',
  live: 'live-state (redis) backup',
  configuration: 'configuration backup',
};

const PARTS = ['database', 'live', 'configuration'] as const;

const crashedText = (list: readonly UnfinishedBackup[]): string =>
  list
    .map(
      (b) =>
        `${b.id} (last heartbeat ${b.since}${b.writer ? `, written by pid ${b.writer.pid} on ${b.writer.host}` : ''})`,
    )
    .join(', ');

/**
 * Daily step: verifies the newest backup, restore included, and reports each part under
 * its documented name (`databaseBackupStatus`, `redisBackupStatus`, `configurationBackupStatus`), each with its
 * reason and the backup id.
 *
 * Every status but Valid is an `error` finding, so the step fails: backup status is one of the
 * daily success criteria, and a Missing or Stale backup means a disaster now would lose
 * data. Missing is reported as Missing: having no backup is the honest finding. A backup being
 * written is not a backup yet: the newest complete one is judged and the one in progress named;
 * when it is the first, the step is `skipped` (nothing to verify yet), not Missing. A create whose
 * heartbeat stopped crashed: a `warning` beside a valid backup (the data is still protected, but
 * one backup was lost), and the reason the step fails when no complete backup exists.
 */
export const backupVerification: Step = async (ctx) => {
  let v: Verification;
  let unfinished: { inProgress: UnfinishedBackup[]; abandoned: UnfinishedBackup[] };
  try {
    unfinished = await unfinishedBackups(ctx.config.backup.dir, ctx.now());
    v = await verifyBackup(ctx.config, undefined, { now: () => ctx.now(), signal: ctx.signal });
  } catch (e) {
    const message = `backups could not be verified: ${(e as Error).message}`;
    return {
      status: 'failed',
      figures: { reason: isBackupError(e) ? e.reason : 'failed' },
      findings: [{ severity: 'error', message }],
      error: message,
    };
  }
  const { inProgress, abandoned } = unfinished;
  const figures: Record<string, unknown> = {
    backupId: v.id,
    backupCreatedAt: v.createdAt,
    backupAgeMs: v.ageMs,
    maxAgeMs: ctx.config.backup.maxAgeMs,
    status: v.status,
    failedCheck: v.failedCheck,
    verifyMs: v.durationMs,
    restoreMs: v.restoreMs,
    checks: v.checks,
    backupsInProgress: inProgress,
    abandonedBackups: abandoned,
  };
  const writing = inProgress.map((b) => `${b.id} (last heartbeat ${b.since})`).join(', ');
  if (v.status === 'Missing' && abandoned.length > 0) {
    const why =
      `no complete backup: the create of ${crashedText(abandoned)} crashed before it finished` +
      (inProgress.length > 0 ? `; ${writing} is being written now` : '');
    for (const part of PARTS) {
      figures[`${FIGURE[part]}Status`] = 'Missing';
      figures[`${FIGURE[part]}Reason`] = why;
    }
    return { status: 'failed', figures, findings: [{ severity: 'error', message: why }], error: why };
  }
  if (v.status === 'Missing' && inProgress.length > 0) {
    const why = `no complete backup yet: ${writing} is still being written; it is verified once complete`;
    for (const part of PARTS) {
      figures[`${FIGURE[part]}Status`] = null;
      figures[`${FIGURE[part]}Reason`] = why;
    }
    return { status: 'skipped', figures, findings: [{ severity: 'info', message: why }], error: why };
  }
  const findings: Finding[] = [];
  if (abandoned.length > 0)
    findings.push({
      severity: 'warning',
      message: `backup create crashed: ${crashedText(abandoned)}; \`backup prune\` removes what it left`,
    });
  if (inProgress.length > 0)
    findings.push({
      severity: 'info',
      message: `being written, not judged yet: ${writing}; the newest complete backup, ${v.id}, is the one verified`,
    });
  for (const part of PARTS) {
    const r = v.parts[part];
    figures[`${FIGURE[part]}Status`] = r.status;
    figures[`${FIGURE[part]}Reason`] = r.reason;
    if (r.status !== 'Valid')
      findings.push({
        severity: 'error',
        message: `${LABEL[part]}${v.id ? ` ${v.id}` : ''} is ${r.status}: ${r.reason ?? 'no reason given'}`,
      });
  }
  if (v.status === 'Valid')
    findings.push({
      severity: 'info',
      message: `backup ${v.id} restored into scratch in ${v.restoreMs} ms and passed all ${v.checks.length} checks`,
    });
  const ok = v.status === 'Valid';
  return {
    status: statusFrom(findings),
    figures,
    findings,
    error: ok ? null : `newest backup is ${v.status}: ${v.reason}`,
  };
};

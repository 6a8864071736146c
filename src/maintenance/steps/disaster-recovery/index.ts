import { statusFrom, type Step } from '../../step.js';
import type { Finding } from '../../types.js';
import { dataDrill, failoverDrill, restoreNewestValid, type DataDrill } from './drills.js';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/**
 * Quarterly (and preventive) step: a disaster-recovery drill on real data.
 * - Restore: the newest valid backup into scratch; its measured time is the RTO.
 * - Failover: the live index rebuilt from the database must equal the live one (0 mismatches).
 * - Data recovery: sampled tickets from the backup match the database field for field.
 * - RPO: the newest valid backup's age, i.e. what a disaster now would lose.
 * Fails when any drill fails or RTO or RPO is over its target (`backup.rtoTargetMs`, `rpoTargetMs`).
 */
export const disasterRecovery: Step = async (ctx) => {
  const findings: Finding[] = [];
  const { rtoTargetMs, rpoTargetMs } = ctx.config.backup;
  const figures: Record<string, unknown> = { rtoTargetMs, rpoTargetMs };

  const drill = await restoreNewestValid(ctx);
  figures.backupsTried = drill.tried;
  let data: DataDrill | null = null;
  if (drill.found) {
    const { id, rtoMs, createdAt, inspection } = drill.found;
    const rpoMs = ctx.now().getTime() - Date.parse(createdAt);
    Object.assign(figures, {
      backupId: id,
      backupCreatedAt: createdAt,
      rtoMs,
      rpoMs,
      restoreMs: inspection.verification.restoreMs,
    });
    try {
      if (inspection.restored) data = await dataDrill(inspection.restored.store, ctx.store);
    } finally {
      await inspection.release();
    }
    if (rtoMs > rtoTargetMs)
      findings.push({
        severity: 'error',
        message: `restoring backup ${id} took ${seconds(rtoMs)}, over the RTO target of ${seconds(rtoTargetMs)}`,
      });
    if (rpoMs > rpoTargetMs)
      findings.push({
        severity: 'error',
        message: `the newest valid backup (${id}) is ${seconds(rpoMs)} old, over the RPO target of ${seconds(rpoTargetMs)}`,
      });
  } else {
    Object.assign(figures, { backupId: null, rtoMs: null, rpoMs: null });
    const why =
      drill.tried.length === 0
        ? 'no backup exists'
        : `none of the ${drill.tried.length} newest backups verifies (${drill.tried[0]?.id}: ${drill.tried[0]?.reason})`;
    findings.push({ severity: 'error', message: `no valid backup to restore: ${why}; RTO and RPO cannot be measured` });
  }
  figures.dataRecovery = data;
  if (data) {
    for (const m of data.mismatches.slice(0, 10)) findings.push({ severity: 'error', message: `data recovery: ${m}` });
    if (data.compared === 0)
      findings.push({
        severity: 'info',
        message: `data recovery: none of ${data.sampled} sampled tickets is unchanged since the backup; nothing to compare`,
      });
  }

  const failover = await failoverDrill(ctx);
  figures.failover = failover;
  if (failover.rebuildMismatches > 0)
    findings.push({
      severity: 'error',
      message: `failover: the live index rebuilt from the database differs from it at ${failover.rebuildMismatches} positions`,
    });
  if (failover.mismatches > 0)
    findings.push({
      severity: 'error',
      message: `failover: the live index differs from the database at ${failover.mismatches} positions after ${failover.attempts} attempts (${failover.details.slice(0, 3).join('; ')})`,
    });

  const status = statusFrom(findings);
  if (status === 'succeeded')
    findings.push({
      severity: 'info',
      message: `restored ${String(figures.backupId)} in ${seconds(Number(figures.rtoMs))} (RTO); newest valid backup ${seconds(Number(figures.rpoMs))} old (RPO); ${failover.entries} live entries match`,
    });
  return {
    status,
    figures,
    findings,
    error: status === 'failed' ? (findings.find((f) => f.severity === 'error')?.message ?? null) : null,
  };
};

import { setTimeout as sleep } from 'node:timers/promises';
import { compareOrders } from '../../../domain/live-sync.js';
import type { LiveIndex } from '../../../live/contract.js';
import type { Store } from '../../../store/contract.js';
import { statusFrom, type Step } from '../../step.js';
import type { Finding } from '../../types.js';
import { Parts } from '../shared/measure.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Problems listed one finding each up to this many; the rest are counted in one more. */
const MAX_PROBLEM_FINDINGS = 20;
/** Comparisons before a difference counts: a join or call between the two reads is not drift. */
const COMPARE_ATTEMPTS = 3;

export interface IndexComparison {
  readonly backend: 'memory' | 'redis';
  readonly mismatches: number;
  readonly details: string[];
  readonly attempts: number;
}

/**
 * Compares the live index with the database's waiting order, position by position. The two reads
 * are not one snapshot, so traffic between them can look like drift; only a difference that is
 * still there after a short pause, three reads in a row, is reported.
 */
async function compareLiveIndex(
  store: Store,
  index: LiveIndex,
  backend: IndexComparison['backend'],
): Promise<IndexComparison> {
  let last = { mismatches: 0, details: [] as string[] };
  for (let attempt = 1; attempt <= COMPARE_ATTEMPTS; attempt++) {
    last = await compareOrders(await store.waitingEntries(), await index.snapshot());
    if (last.mismatches === 0) return { backend, ...last, attempts: attempt };
    if (attempt < COMPARE_ATTEMPTS) await sleep(200);
  }
  return { backend, ...last, attempts: COMPARE_ATTEMPTS };
}

/**
 * Daily step: ended tickets past the retention folded into daily aggregates and deleted, space
 * reclaimed, planner statistics refreshed, integrity checked (engine checks and our invariants),
 * and the live index compared with the database. Cleanup comes first so that vacuum and
 * statistics see the table as it will be. Each part is measured on its own; one that fails
 * leaves its figure null and fails the step, as does any integrity problem or index drift.
 */
export const databaseMaintenance: Step = async (ctx) => {
  const findings: Finding[] = [];
  const parts = new Parts(ctx.signal, findings);
  const admin = ctx.store.admin;

  const retentionDays = ctx.config.maintenance.ticketRetentionDays;
  const before = new Date(ctx.now().getTime() - retentionDays * DAY_MS);
  const removed = await parts.run('removal of old tickets', () => admin.foldAndDeleteEndedTickets(before));
  const oldDataRemoved = removed === null ? null : { ...removed, endedBefore: before.toISOString(), retentionDays };

  const optimized = await parts.run('optimize', () => admin.optimize());
  if (optimized !== null && optimized.bytesReclaimed === null)
    findings.push({ severity: 'info', message: `space not reclaimed: ${optimized.details}` });
  if (optimized !== null && optimized.bytesAdded > 0)
    findings.push({
      severity: 'info',
      message: `the database grew by ${optimized.bytesAdded} bytes during optimize (${optimized.details}); nothing was reclaimed`,
    });

  const statisticsUpdated = await parts.run('statistics update', () => admin.updateStatistics());

  const report = await parts.run('integrity check', () => admin.integrity());
  const integrity = report === null ? null : report.problems.length === 0 ? 'ok' : report.problems;
  for (const p of report?.problems.slice(0, MAX_PROBLEM_FINDINGS) ?? [])
    findings.push({ severity: 'error', message: `integrity: ${p}` });
  if (report !== null && report.problems.length > MAX_PROBLEM_FINDINGS)
    findings.push({
      severity: 'error',
      message: `integrity: ${report.problems.length - MAX_PROBLEM_FINDINGS} more problems`,
    });
  // Info, not warning: the checks that did run passed, and the reason (say, amcheck not installed) is an install choice.
  for (const n of report?.notChecked ?? []) findings.push({ severity: 'info', message: `integrity not checked: ${n}` });

  const liveIndex = await parts.run('live index comparison', () =>
    compareLiveIndex(ctx.store, ctx.live.index, ctx.live.kind),
  );
  if (liveIndex !== null && liveIndex.mismatches > 0) {
    findings.push({
      severity: 'error',
      message: `live index differs from the database in ${liveIndex.mismatches} positions (a rebuild of the index from the database repairs it): ${liveIndex.details.join('; ')}`,
    });
  }

  const problems = [...parts.failed];
  if (Array.isArray(integrity)) problems.push(`${integrity.length} integrity problems`);
  if (liveIndex !== null && liveIndex.mismatches > 0)
    problems.push(`live index drift (${liveIndex.mismatches} positions)`);
  return {
    status: statusFrom(findings),
    figures: {
      statisticsUpdated,
      oldDataRemoved,
      optimized,
      integrity,
      integrityNotChecked: report?.notChecked ?? null,
      liveIndex,
    },
    findings,
    error: problems.length > 0 ? problems.join('; ') : null,
  };
};

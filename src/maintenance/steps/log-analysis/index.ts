import { statusFrom, type Step, type StepContext, type StepOutcome } from '../../step.js';
import type { Finding } from '../../types.js';
import type { SecurityIssue } from './analyzer.js';
import { analyzeLogs, LogDirUnavailableError, type LogFigures } from './analyze-logs.js';

export { analyzeLogs, LogDirUnavailableError } from './analyze-logs.js';
export type { AnalyzeLogsOptions, LogFigures, UnreadableFile } from './analyze-logs.js';
export type { LogThresholds, PerformanceIssue, SecurityIssue, SecurityKind } from './analyzer.js';

const STEP_NAME = 'logAnalysis';
/** The window never reaches further back than this, even after a long gap (docs/maintenance.md). */
export const MAX_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Daily step: errors, slow routes and security signals in the server's own logs since the last
 * successful run (at most 24 h). No log files, or no readable folder, is `skipped`: a clean bill
 * of health from zero lines would be an invented value.
 */
export const logAnalysis: Step = async (ctx) => {
  const findings: Finding[] = [];
  const to = ctx.now();
  const from = await windowStart(ctx, to, findings);
  const window = { from: from.toISOString(), to: to.toISOString() };
  const thresholds = ctx.config.maintenance.thresholds;
  const dir = ctx.config.logDir;

  let figures: LogFigures;
  try {
    figures = await analyzeLogs({ dir, from, to, thresholds, signal: ctx.signal });
  } catch (err) {
    if (err instanceof LogDirUnavailableError)
      return skipped(`${err.message}: nothing to measure`, { window, filesFound: 0, filesRead: 0 }, findings);
    const why = ctx.signal.aborted
      ? `stopped before all log files were read (${String(ctx.signal.reason)})`
      : (err as Error).message;
    return { status: 'failed', figures: { window }, findings, error: why };
  }

  for (const f of figures.unreadableFiles) {
    findings.push({
      severity: 'warning',
      message: `log file ${f.file} skipped, none of its lines counted: ${f.error}`,
    });
  }
  if (figures.filesFound === 0)
    return skipped(`no *.log or *.log.gz files in ${dir}: nothing to measure`, { ...figures }, findings);
  if (figures.filesRead === 0)
    return skipped(`none of the ${figures.filesFound} log files in ${dir} could be read`, { ...figures }, findings);

  if (figures.errorCount >= thresholds.maxErrorCount) {
    findings.push({
      severity: 'error',
      message: `${figures.errorCount} error lines (level >= 50) since ${window.from}; the limit is ${thresholds.maxErrorCount - 1}`,
    });
  }
  for (const p of figures.performanceIssues) {
    findings.push({
      severity: 'warning',
      message: `${p.route}: p95 ${p.p95Ms} ms over ${p.count} requests, above ${thresholds.maxP95ResponseMs} ms`,
    });
  }
  for (const s of figures.securityIssues)
    findings.push({ severity: 'warning', message: securityMessage(s, thresholds.securityBurst) });
  if (figures.malformedLines > 0) {
    // Info only: the active file's last line is often half-written while the server logs.
    findings.push({ severity: 'info', message: `${figures.malformedLines} lines were not pino JSON and were skipped` });
  }
  return { status: statusFrom(findings), figures: { ...figures }, findings, error: null };
};

/**
 * Start of the window: the previous successful run, but never more than 24 h back. The store
 * may not answer (not implemented yet, database down); then the 24 h default is used and said.
 */
async function windowStart(ctx: StepContext, to: Date, findings: Finding[]): Promise<Date> {
  const floor = new Date(to.getTime() - MAX_WINDOW_MS);
  let last: Date | null = null;
  try {
    last = await ctx.store.maintenance.lastSuccessfulStep(STEP_NAME);
  } catch (err) {
    findings.push({
      severity: 'info',
      message: `previous successful ${STEP_NAME} unknown (${(err as Error)?.message ?? String(err)}); window is the last 24 h`,
    });
  }
  // A time after `to` (clock moved back) would give an empty window that hides everything.
  if (!(last instanceof Date) || Number.isNaN(last.getTime()) || last > to) return floor;
  return last > floor ? last : floor;
}

function skipped(reason: string, figures: Record<string, unknown>, findings: Finding[]): StepOutcome {
  return { status: 'skipped', figures, findings: [...findings, { severity: 'info', message: reason }], error: reason };
}

function securityMessage(s: SecurityIssue, burst: number): string {
  const span = `between ${s.firstAt} and ${s.lastAt}`;
  switch (s.kind) {
    case 'denied_burst':
      return `${s.count} 401/403/429 responses to ${s.ip} ${span}, up to ${s.peakPerMinute} within 60 s (burst: ${burst})`;
    case 'ticket_token_invalid':
      return `${s.count} requests with an invalid ticket token ${span}`;
    case 'auth_failed':
      return `${s.count} failed key checks on operator/admin routes ${span}`;
  }
}

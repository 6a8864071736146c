import { statusFrom, type Step, type StepContext, type StepOutcome } from '../../step.js';
import type { Finding, StepResult } from '../../types.js';
import { errorText } from '../shared/measure.js';
import type { SecurityIssue } from './analyzer.js';
import { analyzeLogs, LogDirUnavailableError, type LogFigures } from './analyze-logs.js';

export { analyzeLogs, LogDirUnavailableError } from './analyze-logs.js';
export type { LogFigures } from './analyze-logs.js';
const STEP_NAME = 'logAnalysis';
/** The window never reaches further back than this, even after a long gap (docs/maintenance.md). */
const MAX_WINDOW_MS = 24 * 60 * 60 * 1000;
/** Runs searched for the previous measured window; older ones have been pruned or are past 24 h anyway. */
const RUNS_SEARCHED = 200;
const RUNS_PAGE = 50;
/** pino's numeric levels: a level above `error` writes no error line, so none can be counted. */
const LEVELS: Readonly<Record<string, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Infinity,
};

/**
 * Daily step: errors, slow routes and security signals in the server's own logs. The windows of
 * successive runs tile time: each starts where the previous measured window ended (at most 24 h
 * back), whatever that run's status, so lines written after the step ran are counted by the next
 * run and none twice (docs/maintenance.md). Nothing to read (no folder, no files, a log level that
 * writes no error line) is `skipped`: a clean bill of health from zero lines would be invented.
 */
export const logAnalysis: Step = async (ctx) => {
  const findings: Finding[] = [];
  const to = ctx.now();
  const from = await windowStart(ctx, to, findings);
  const window = { from: from.toISOString(), to: to.toISOString() };
  const thresholds = ctx.config.maintenance.thresholds;
  const dir = ctx.config.logDir;
  const level = LEVELS[ctx.config.logLevel] ?? LEVELS.info!;
  if (level > LEVELS.error!)
    return skipped(
      `LOG_LEVEL=${ctx.config.logLevel} writes no error lines: the error count cannot be measured`,
      { window, logLevel: ctx.config.logLevel },
      findings,
    );
  if (level > LEVELS.info!)
    findings.push({
      severity: 'info',
      message: `LOG_LEVEL=${ctx.config.logLevel}: successful requests are logged at info and not written, so slow routes are judged on 4xx and 5xx answers only`,
    });

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
  if (figures.ownMaintenanceErrors > 0)
    findings.push({
      severity: 'info',
      message: `${figures.ownMaintenanceErrors} error lines written by maintenance itself (failed steps and runs, alert deliveries) are not counted: their runs report them`,
    });
  if (figures.malformedLines > 0) {
    // Info only: the active file's last line is often half-written while the server logs.
    findings.push({ severity: 'info', message: `${figures.malformedLines} lines were not pino JSON and were skipped` });
  }
  return { status: statusFrom(findings), figures: { ...figures }, findings, error: null };
};

/**
 * Start of the window: where the previous measured window ended, but never more than 24 h back
 * (the stretch before is said, not silently dropped). The store may not answer (database down);
 * then the last 24 h are read and that is said too.
 */
async function windowStart(ctx: StepContext, to: Date, findings: Finding[]): Promise<Date> {
  const floor = new Date(to.getTime() - MAX_WINDOW_MS);
  let last: Date | null = null;
  try {
    last = await previousWindowEnd(ctx);
  } catch (err) {
    findings.push({
      severity: 'info',
      message: `previous ${STEP_NAME} window unknown (${errorText(err)}); window is the last 24 h`,
    });
  }
  if (last === null) return floor;
  if (last > to) {
    findings.push({
      severity: 'info',
      message: `the previous window ends at ${last.toISOString()}, after now (the clock moved back); window is the last 24 h`,
    });
    return floor;
  }
  if (last < floor) {
    findings.push({
      severity: 'info',
      message: `lines between ${last.toISOString()} and ${floor.toISOString()} are not analysed: a window reaches at most 24 h back`,
    });
    return floor;
  }
  return last;
}

/** The end of the newest window a run of this step measured, from the stored run documents. */
async function previousWindowEnd(ctx: StepContext): Promise<Date | null> {
  let cursor: string | undefined;
  for (let seen = 0; seen < RUNS_SEARCHED;) {
    const page = await ctx.store.maintenance.listRuns({ limit: RUNS_PAGE, cursor });
    let newest: Date | null = null;
    for (const run of page.items) {
      for (const step of run.steps) {
        const end = measuredEnd(step);
        if (end !== null && (newest === null || end > newest)) newest = end;
      }
      if (newest !== null) return newest;
    }
    seen += page.items.length;
    if (page.nextCursor === null || page.items.length === 0) return null;
    cursor = page.nextCursor;
  }
  return null;
}

/**
 * A window counts as measured when the step read it to the end: succeeded, warned, or failed on
 * what it found (too many errors). A run stopped while reading, or skipped, measured nothing, so
 * its stretch is left to the next run.
 */
function measuredEnd(step: StepResult): Date | null {
  if (step.name !== STEP_NAME || step.status === 'skipped') return null;
  const f = step.figures as { linesRead?: unknown; window?: { to?: unknown } };
  if (typeof f.linesRead !== 'number' || typeof f.window?.to !== 'string') return null;
  const at = new Date(f.window.to);
  return Number.isNaN(at.getTime()) ? null : at;
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

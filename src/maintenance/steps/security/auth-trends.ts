import type { StepContext } from '../../step.js';
import type { Finding } from '../../types.js';
import { analyzeLogs, LogDirUnavailableError } from '../log-analysis/index.js';
import { parseLine, readRequest } from '../log-analysis/entry.js';
import { listLogFiles, readLogLines } from '../log-analysis/reader.js';

const DAY = 86_400_000;
const WEEK = 7 * DAY;
const AUDIT_WINDOW_DAYS = 90;

interface WeekBucket {
  readonly weekStart: string;
  /** `auth_failed` lines: a bad or missing key on an operator/admin route. */
  readonly authFailed: number;
  /** 401/403 responses of any kind, customers' bad ticket tokens included. */
  readonly denied: number;
}

export type AuthTrends =
  | {
      readonly status: 'measured';
      readonly window: { from: string; to: string };
      readonly authFailed: number;
      readonly invalidTicketTokens: number;
      readonly deniedBursts: { ip: string | undefined; count: number; peakPerMinute: number | undefined }[];
      readonly weeks: WeekBucket[];
      readonly trend: 'rising' | 'falling' | 'flat' | 'none';
    }
  | { readonly status: 'skipped'; readonly reason: string };

/**
 * Failed authentication over the quarter. The totals and bursts come from logAnalysis's own
 * analyzeLogs; it has no per-week view, so a second light pass reads the same files with its
 * line parser and counts per week. Logs missing or unreadable: skipped with the reason.
 */
export async function authTrends(ctx: StepContext, findings: Finding[]): Promise<AuthTrends> {
  const to = ctx.now();
  const from = new Date(to.getTime() - AUDIT_WINDOW_DAYS * DAY);
  const dir = ctx.config.logDir;
  let totals;
  try {
    totals = await analyzeLogs({ dir, from, to, thresholds: ctx.config.maintenance.thresholds, signal: ctx.signal });
  } catch (e) {
    if (!(e instanceof LogDirUnavailableError)) throw e;
    return skipped(`${e.message}: failed-authentication trend not measured`, findings);
  }
  if (totals.filesRead === 0)
    return skipped(`no readable log files in ${dir}: failed-authentication trend not measured`, findings);

  const weeks = Array.from({ length: Math.ceil((AUDIT_WINDOW_DAYS * DAY) / WEEK) }, (_, i) => ({
    weekStart: new Date(from.getTime() + i * WEEK).toISOString(),
    authFailed: 0,
    denied: 0,
  }));
  for (const file of await listLogFiles(dir)) {
    try {
      for await (const line of readLogLines(file)) {
        ctx.signal.throwIfAborted();
        const e = parseLine(line);
        if (!e || e.time < from.getTime() || e.time >= to.getTime()) continue;
        const week = weeks[Math.floor((e.time - from.getTime()) / WEEK)]!;
        if (e.event === 'auth_failed') week.authFailed++;
        const status = readRequest(e).status;
        if (status === 401 || status === 403) week.denied++;
      }
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      // analyzeLogs already reported it in unreadableFiles; its lines count for neither view.
    }
  }
  const issue = (k: string) => totals.securityIssues.filter((s) => s.kind === k);
  const authFailed = issue('auth_failed').reduce((n, s) => n + s.count, 0);
  const trend = trendOf(weeks.map((w) => w.authFailed));
  if (trend === 'rising')
    findings.push({
      severity: 'warning',
      message: `failed authentication is rising: ${weeks
        .slice(-4)
        .map((w) => w.authFailed)
        .join(
          ', ',
        )} in the last four weeks against ${Math.round(average(weeks.slice(0, -4).map((w) => w.authFailed)))} a week before`,
    });
  if (totals.unreadableFiles.length > 0)
    findings.push({
      severity: 'warning',
      message: `${totals.unreadableFiles.length} log files could not be read; their failures are not counted`,
    });
  return {
    status: 'measured',
    window: totals.window,
    authFailed,
    invalidTicketTokens: issue('ticket_token_invalid').reduce((n, s) => n + s.count, 0),
    deniedBursts: issue('denied_burst').map((s) => ({ ip: s.ip, count: s.count, peakPerMinute: s.peakPerMinute })),
    weeks,
    trend,
  };
}

/** The last four weeks against the weeks before: double (and at least 20) is rising, half is falling. */
function trendOf(perWeek: number[]): 'rising' | 'falling' | 'flat' | 'none' {
  if (perWeek.every((n) => n === 0)) return 'none';
  const recent = average(perWeek.slice(-4));
  const before = average(perWeek.slice(0, -4));
  if (recent >= 2 * before && recent * 4 >= 20) return 'rising';
  if (recent * 2 <= before) return 'falling';
  return 'flat';
}

const average = (xs: number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

function skipped(reason: string, findings: Finding[]): AuthTrends {
  findings.push({ severity: 'info', message: reason });
  return { status: 'skipped', reason };
}

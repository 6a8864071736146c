import type { Thresholds } from '../../../config/index.js';
import { percentile } from '../../../metrics/percentile.js';
import { parseLine, readRequest, type LogEntry } from './entry.js';

export type LogThresholds = Pick<Thresholds, 'maxErrorCount' | 'maxP95ResponseMs' | 'securityBurst'>;

interface PerformanceIssue {
  readonly route: string;
  readonly count: number;
  readonly p95Ms: number;
}

/** `denied_burst`: 401/403/429 responses to one IP, at least `securityBurst` within 60 s. */
type SecurityKind = 'denied_burst' | 'ticket_token_invalid' | 'auth_failed';

export interface SecurityIssue {
  readonly kind: SecurityKind;
  readonly ip?: string;
  readonly count: number;
  readonly firstAt: string;
  readonly lastAt: string;
  /** For a burst: the most denials to that IP within any 60 s. */
  readonly peakPerMinute?: number;
}

export interface LineFigures {
  readonly errorCount: number;
  /** Error lines of maintenance itself (`component` maintenance or alerts), kept out of `errorCount`. */
  readonly ownMaintenanceErrors: number;
  readonly performanceIssues: PerformanceIssue[];
  readonly securityIssues: SecurityIssue[];
  readonly logSummary: { topErrors: { message: string; count: number }[]; byLevel: Record<string, number> };
  readonly linesRead: number;
  readonly malformedLines: number;
}

/**
 * Distinct keys kept per map. Routes (raw URLs when no pattern was logged), messages and IPs come
 * from the outside, so random URLs or spoofed addresses must not grow memory without bound;
 * past the cap everything lands in one `(other)` bucket, which still counts.
 */
const MAX_KEYS = 10_000;
const OTHER = '(other)';
const BURST_WINDOW_MS = 60_000;
/**
 * The `component` of the maintenance engine's and the alert sender's loggers. Their error lines
 * repeat what a run document already reports (a failed step, a failed run); counting them would
 * let one burst fail every later run (docs/maintenance.md).
 */
const OWN_COMPONENTS: ReadonlySet<unknown> = new Set(['maintenance', 'alerts']);
const LEVEL_NAMES: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

function keyFor(map: Map<string, unknown>, key: string): string {
  return map.has(key) || map.size < MAX_KEYS ? key : OTHER;
}
function count(map: Map<string, number>, key: string, n: number): void {
  const k = keyFor(map, key);
  map.set(k, (map.get(k) ?? 0) + n);
}
/** Pushes in place: copying a route's list on every line would make the pass quadratic. */
function append(map: Map<string, number[]>, key: string, values: number | readonly number[]): void {
  const k = keyFor(map, key);
  let list = map.get(k);
  if (!list) map.set(k, (list = []));
  if (typeof values === 'number') list.push(values);
  else for (const v of values) list.push(v);
}

/**
 * The figures of one window, fed line by line. One accumulator is filled per file and merged into
 * the total only when the file was read to its end, so a corrupt gzip counts for nothing.
 */
export class LogAccumulator {
  linesRead = 0;
  malformedLines = 0;
  errorCount = 0;
  ownMaintenanceErrors = 0;
  private readonly byLevel = new Map<string, number>();
  private readonly errorMessages = new Map<string, number>();
  /** Response times per route; all are kept because p95 must be measured, not estimated. */
  private readonly routes = new Map<string, number[]>();
  /** Times of 401/403/429 responses per client IP; files arrive in any order, so sorted at the end. */
  private readonly denied = new Map<string, number[]>();
  private readonly events = new Map<string, number[]>();

  constructor(
    private readonly fromMs: number,
    private readonly toMs: number,
  ) {}

  add(line: string): void {
    if (line.trim() === '') return;
    const entry = parseLine(line);
    if (!entry) {
      this.malformedLines++;
      return;
    }
    // Half-open window: the next run starts where this one ends, so no line counts twice.
    if (entry.time < this.fromMs || entry.time >= this.toMs) return;
    this.linesRead++;
    count(this.byLevel, LEVEL_NAMES[entry.level] ?? String(entry.level), 1);
    if (entry.level >= 50 && OWN_COMPONENTS.has(entry.component)) this.ownMaintenanceErrors++;
    else if (entry.level >= 50) {
      this.errorCount++;
      count(this.errorMessages, messageOf(entry), 1);
    }
    const req = readRequest(entry);
    if (req.route !== undefined && req.responseTime !== undefined && req.userLatency)
      append(this.routes, req.route, req.responseTime);
    if (req.ip !== undefined && (req.status === 401 || req.status === 403 || req.status === 429)) {
      append(this.denied, req.ip, entry.time);
    }
    if (entry.event === 'ticket_token_invalid' || entry.event === 'auth_failed')
      append(this.events, entry.event, entry.time);
  }

  merge(o: LogAccumulator): void {
    this.linesRead += o.linesRead;
    this.malformedLines += o.malformedLines;
    this.errorCount += o.errorCount;
    this.ownMaintenanceErrors += o.ownMaintenanceErrors;
    for (const [k, v] of o.byLevel) count(this.byLevel, k, v);
    for (const [k, v] of o.errorMessages) count(this.errorMessages, k, v);
    for (const [k, v] of o.routes) append(this.routes, k, v);
    for (const [k, v] of o.denied) append(this.denied, k, v);
    for (const [k, v] of o.events) append(this.events, k, v);
  }

  figures(t: Pick<LogThresholds, 'maxP95ResponseMs' | 'securityBurst'>): LineFigures {
    const performanceIssues: PerformanceIssue[] = [];
    for (const [route, times] of this.routes) {
      const p95Ms = percentile(times, 0.95) ?? 0;
      if (p95Ms > t.maxP95ResponseMs)
        performanceIssues.push({ route, count: times.length, p95Ms: Math.round(p95Ms * 10) / 10 });
    }
    performanceIssues.sort((a, b) => b.p95Ms - a.p95Ms);

    const securityIssues: SecurityIssue[] = [];
    for (const [ip, times] of this.denied) {
      const sorted = Float64Array.from(times).sort();
      const peak = peakWithin(sorted, BURST_WINDOW_MS);
      if (peak >= Math.max(1, t.securityBurst))
        securityIssues.push({ kind: 'denied_burst', ip, ...span(sorted), peakPerMinute: peak });
    }
    securityIssues.sort((a, b) => b.count - a.count);
    for (const [kind, times] of this.events) {
      securityIssues.push({ kind: kind as SecurityKind, ...span(Float64Array.from(times).sort()) });
    }

    const topErrors = [...this.errorMessages]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([message, count]) => ({ message, count }));
    return {
      errorCount: this.errorCount,
      ownMaintenanceErrors: this.ownMaintenanceErrors,
      performanceIssues,
      securityIssues,
      logSummary: { topErrors, byLevel: Object.fromEntries(this.byLevel) },
      linesRead: this.linesRead,
      malformedLines: this.malformedLines,
    };
  }
}

/** The error's own text, cut short: a stack or payload in `msg` must not bloat the run document. */
function messageOf(entry: LogEntry): string {
  const err = entry.err as { message?: unknown } | undefined;
  const text =
    typeof entry.msg === 'string' ? entry.msg : typeof err?.message === 'string' ? err.message : '(no message)';
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** The most sorted times that fit within any `windowMs`-long stretch (two pointers, one pass). */
function peakWithin(sorted: Float64Array, windowMs: number): number {
  let peak = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while ((sorted[j] ?? 0) - (sorted[i] ?? 0) >= windowMs) i++;
    peak = Math.max(peak, j - i + 1);
  }
  return peak;
}

function span(sorted: Float64Array): { count: number; firstAt: string; lastAt: string } {
  const iso = (ms: number | undefined): string => new Date(ms ?? 0).toISOString();
  return { count: sorted.length, firstAt: iso(sorted[0]), lastAt: iso(sorted[sorted.length - 1]) };
}

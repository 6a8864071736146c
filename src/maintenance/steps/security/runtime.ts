import { NODE_RELEASES, NODE_RELEASES_AS_OF, type NodeReleaseLine } from '../../data/node-releases.js';
import type { Finding, Severity } from '../../types.js';
import { majorOf } from './version.js';

type RuntimeStatus = 'supported' | 'maintenance' | 'eol_soon' | 'end_of_life' | 'unknown';

export interface RuntimeFigures {
  readonly node: string;
  readonly line: number | null;
  readonly lts: boolean | null;
  readonly status: RuntimeStatus;
  readonly endOfLife: string | null;
  /** Zero or negative once the end-of-life day has come. */
  readonly daysToEndOfLife: number | null;
  /** The newest LTS line already in Active LTS or later on `now`, with its end of life. */
  readonly recommended: { readonly line: number; readonly endOfLife: string } | null;
  readonly tableAsOf: string;
}

const DAY = 86_400_000;
/** Warn this long before the end of life: a runtime upgrade needs a test cycle. */
const SOON_DAYS = 90;

const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);

/** The LTS lines whose Active LTS has begun by `now` and that are not past their end, newest first. */
export function ltsLines(now: Date): NodeReleaseLine[] {
  return NODE_RELEASES.filter((l) => l.lts !== null && day(l.lts) <= now.getTime() && day(l.end) > now.getTime()).sort(
    (a, b) => b.major - a.major,
  );
}

/**
 * Where the running Node stands against the shipped end-of-life table. `eolSeverity` lets a
 * planning step (majorUpdates) say the same fact more softly than the security steps do.
 */
export function assessRuntime(
  nodeVersion: string,
  now: Date,
  eolSeverity: Severity = 'error',
): { figures: RuntimeFigures; findings: Finding[] } {
  const findings: Finding[] = [];
  const major = majorOf(nodeVersion);
  const line = NODE_RELEASES.find((l) => l.major === major);
  const next = ltsLines(now)[0];
  const recommended = next ? { line: next.major, endOfLife: next.end } : null;
  const base = { node: nodeVersion, line: major, tableAsOf: NODE_RELEASES_AS_OF, recommended };

  if (now.getTime() - day(NODE_RELEASES_AS_OF) > 365 * DAY) {
    findings.push({
      severity: 'warning',
      message: `the Node.js end-of-life table is from ${NODE_RELEASES_AS_OF}, over a year old: update src/maintenance/data/node-releases.ts`,
    });
  }
  if (!line) {
    findings.push({
      severity: 'warning',
      message: `Node.js ${nodeVersion} is not in the end-of-life table (as of ${NODE_RELEASES_AS_OF}); its support status is unknown`,
    });
    return { figures: { ...base, lts: null, status: 'unknown', endOfLife: null, daysToEndOfLife: null }, findings };
  }

  // Whole calendar days, counted from the end-of-life day itself (it is the first unsupported day).
  const daysLeft = Math.ceil((day(line.end) - now.getTime()) / DAY) || 0;
  const upgrade =
    recommended && recommended.line !== line.major
      ? `; move to Node.js ${recommended.line} LTS (supported until ${recommended.endOfLife})`
      : '';
  let status: RuntimeStatus;
  if (now.getTime() >= day(line.end)) {
    status = 'end_of_life';
    findings.push({
      severity: eolSeverity,
      message: `Node.js ${nodeVersion} reached its end of life on ${line.end} (${-daysLeft} days ago) and gets no security fixes${upgrade}`,
    });
  } else if (daysLeft <= SOON_DAYS) {
    status = 'eol_soon';
    findings.push({
      severity: 'warning',
      message: `Node.js ${line.major} reaches its end of life on ${line.end}, in ${daysLeft} days${upgrade}`,
    });
  } else {
    status = now.getTime() >= day(line.maintenance) ? 'maintenance' : 'supported';
    if (status === 'maintenance')
      findings.push({
        severity: 'info',
        message: `Node.js ${line.major} is in maintenance (security fixes only) until ${line.end}${upgrade}`,
      });
  }
  if (line.lts === null && status !== 'end_of_life') {
    findings.push({
      severity: 'warning',
      message: `Node.js ${line.major} is an odd-numbered line that never becomes LTS; production should run an LTS line${upgrade}`,
    });
  }
  return {
    figures: { ...base, lts: line.lts !== null, status, endOfLife: line.end, daysToEndOfLife: daysLeft },
    findings,
  };
}

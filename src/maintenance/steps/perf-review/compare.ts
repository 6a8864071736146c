import type { Finding } from '../../types.js';
import type { WindowFigures, WindowRoute } from './history.js';
import { changePercent, round2, type PerfReviewSettings } from './settings.js';

export const OVERALL = '(all routes)';

interface Side {
  readonly count: number;
  readonly avgMs: number | null;
  readonly p95Ms: number | null;
  /** Mean req/s over the window. */
  readonly throughput: number | null;
}

/** One route (or all of them) in two windows. */
export interface Change {
  readonly route: string;
  readonly before: Side | null;
  readonly after: Side | null;
  readonly avgChangePercent: number | null;
  readonly p95ChangePercent: number | null;
  readonly throughputChangePercent: number | null;
  /** The latency rose by more than the allowed share, with enough requests on both sides to trust it. */
  readonly regression: boolean;
}

export interface Comparison {
  readonly overall: Change & {
    readonly errorRatePercentBefore: number | null;
    readonly errorRatePercentAfter: number | null;
    readonly errorRateRegression: boolean;
  };
  readonly routes: Change[];
  readonly regressions: Change[];
}

const side = (r: WindowRoute | undefined): Side | null =>
  r === undefined ? null : { count: r.count, avgMs: r.avgMs, p95Ms: r.p95Ms, throughput: r.throughput };

type Settings = Pick<PerfReviewSettings, 'regressionPercent' | 'minRequests' | 'errorRatePoints'>;

/** `days` of each window: throughput is compared from the counts, not from the rounded rates. */
function change(route: string, before: Side | null, after: Side | null, days: [number, number], s: Settings): Change {
  const rate = (x: Side | null, d: number): number | null => (x === null || d === 0 ? null : x.count / d);
  const p95 = changePercent(before?.p95Ms ?? null, after?.p95Ms ?? null);
  const avg = changePercent(before?.avgMs ?? null, after?.avgMs ?? null);
  const enough = (before?.count ?? 0) >= s.minRequests && (after?.count ?? 0) >= s.minRequests;
  return {
    route,
    before,
    after,
    avgChangePercent: avg,
    p95ChangePercent: p95,
    throughputChangePercent: changePercent(rate(before, days[0]), rate(after, days[1])),
    regression: enough && ((p95 !== null && p95 > s.regressionPercent) || (avg !== null && avg > s.regressionPercent)),
  };
}

/** Compares every route seen in either window, and all routes together. */
export function compareWindows(before: WindowFigures, after: WindowFigures, s: Settings): Comparison {
  const days: [number, number] = [before.days, after.days];
  const b = new Map(before.routes.map((r) => [r.route, r]));
  const a = new Map(after.routes.map((r) => [r.route, r]));
  const routes = [...new Set([...b.keys(), ...a.keys()])]
    .map((route) => change(route, side(b.get(route)), side(a.get(route)), days, s))
    .sort(
      (x, y) =>
        Number(y.regression) - Number(x.regression) ||
        (y.p95ChangePercent ?? -Infinity) - (x.p95ChangePercent ?? -Infinity),
    );
  const whole = (w: WindowFigures): Side | null =>
    w.requestsCounted === 0
      ? null
      : {
          count: w.requestsCounted,
          avgMs: w.averageResponseTimeMs,
          p95Ms: w.p95ResponseTimeMs,
          throughput: w.throughput,
        };
  const eb = before.errorRatePercent;
  const ea = after.errorRatePercent;
  return {
    overall: {
      ...change(OVERALL, whole(before), whole(after), days, s),
      errorRatePercentBefore: eb,
      errorRatePercentAfter: ea,
      errorRateRegression: eb !== null && ea !== null && ea - eb >= s.errorRatePoints,
    },
    routes,
    regressions: routes.filter((r) => r.regression),
  };
}

/** One warning per regression, naming the figures that rose and by how much. */
export function regressionFindings(c: Comparison, period: string): Finding[] {
  const out: Finding[] = [];
  for (const r of [c.overall, ...c.regressions]) {
    if (!r.regression || r.before === null || r.after === null) continue;
    const rose = [
      r.p95ChangePercent !== null
        ? `p95 ${r.before.p95Ms} → ${r.after.p95Ms} ms (${signed(r.p95ChangePercent)} %)`
        : null,
      r.avgChangePercent !== null
        ? `average ${r.before.avgMs} → ${r.after.avgMs} ms (${signed(r.avgChangePercent)} %)`
        : null,
    ].filter(Boolean);
    out.push({
      severity: 'warning',
      message: `${r.route}: slower than the ${period}: ${rose.join(', ')} over ${r.after.count} requests (was ${r.before.count})`,
    });
  }
  if (c.overall.errorRateRegression) {
    out.push({
      severity: 'warning',
      message: `error rate rose from ${c.overall.errorRatePercentBefore} % to ${c.overall.errorRatePercentAfter} % compared with the ${period}`,
    });
  }
  return out;
}

export const signed = (n: number): string => (n > 0 ? `+${round2(n)}` : String(round2(n)));

/** A window without its per-route list, which the comparison already carries. */
const brief = ({ routes, ...rest }: WindowFigures) => ({ ...rest, routeCount: routes.length });

/** The figures both period reviews report: each window in brief, and the comparison overall and per route. */
export function comparisonFigures(
  windows: { previous: WindowFigures; current: WindowFigures } | null,
  comparison: Comparison | null,
) {
  return {
    current: windows === null ? null : brief(windows.current),
    previous: windows === null ? null : brief(windows.previous),
    overall: comparison?.overall ?? null,
    routes: comparison?.routes ?? null,
  };
}

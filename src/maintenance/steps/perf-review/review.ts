import { statusFrom, type Step } from '../../step.js';
import type { Finding } from '../../types.js';
import { errorText } from '../shared/measure.js';
import { errorOf } from './actions.js';
import { compareWindows, comparisonFigures, regressionFindings, signed, type Comparison } from './compare.js';
import type { Point } from './forecast.js';
import { readSlices, windowOf, WINDOW_METHOD, type Slice } from './history.js';
import { round2, settingsOf } from './settings.js';
import { svgChart, type ChartPanel } from './svg.js';

const QUARTER_DAYS = 90;

/** One point per day that has the value, x = day of the window (1..90), so both quarters overlay. */
function daily(slices: readonly Slice[], pick: (s: Slice) => number | null): Point[] {
  const out: Point[] = [];
  slices.forEach((s, i) => {
    const v = pick(s);
    if (v !== null) out.push([i + 1, v]);
  });
  return out;
}

function chart(previous: readonly Slice[], current: readonly Slice[]): string {
  const dayOf = (x: number): string => `day ${Math.round(x)}`;
  const pair = (title: string, pick: (s: Slice) => number | null): ChartPanel => ({
    title,
    xLabel: dayOf,
    lines: [
      { name: 'previous 90 days', points: daily(previous, pick), dashed: true },
      { name: 'last 90 days', points: daily(current, pick) },
    ],
  });
  return svgChart('Quarter over quarter', [
    pair('p95 response time per day (ms)', (s) => s.summary.p95ResponseTimeMs),
    pair('average response time per day (ms)', (s) => s.summary.averageResponseTimeMs),
    pair('requests per day', (s) => (s.summary.sampleCount === 0 ? null : s.summary.requestsCounted)),
    pair('error rate per day (%)', (s) => (s.requestsAll === 0 ? null : round2((s.errors / s.requestsAll) * 100))),
  ]);
}

/**
 * Quarterly step: the last 90 days against the 90 before, per route and overall (average, p95,
 * throughput, and the error rate overall, since errors are not stored per route), with a chart of
 * both quarters day by day. A route slower by more than `regressionPercent` with enough requests,
 * or an error rate up by `errorRatePoints`, is a degradation and a warning.
 */
export const performanceReview: Step = async (ctx) => {
  const s = settingsOf(ctx);
  const findings: Finding[] = [];
  let slices: Slice[] | null = null;
  try {
    slices = await readSlices(ctx, ctx.now(), 2 * QUARTER_DAYS);
  } catch (e) {
    findings.push({ severity: 'error', message: `metric samples could not be read: ${errorText(e)}` });
  }
  const previous = slices?.slice(0, QUARTER_DAYS) ?? [];
  const current = slices?.slice(QUARTER_DAYS) ?? [];
  const windows = slices === null ? null : { previous: windowOf(previous), current: windowOf(current) };
  const comparison: Comparison | null = windows === null ? null : compareWindows(windows.previous, windows.current, s);

  // Nothing to compare is not "no degradation": like capacityPlanning, the step says skipped.
  const nothing =
    windows === null
      ? null
      : windows.current.requestsCounted === 0
        ? 'no requests recorded in the last 90 days (was the server running?): nothing to review'
        : windows.previous.requestsCounted === 0
          ? 'no requests recorded in the previous 90 days: no quarter-over-quarter comparison yet'
          : null;
  if (nothing !== null) findings.push({ severity: 'info', message: nothing });
  if (comparison !== null) {
    findings.push(...regressionFindings(comparison, 'previous quarter'));
    const t = comparison.overall.throughputChangePercent;
    // Load is not quality: more or less traffic is reported, not judged.
    if (t !== null)
      findings.push({
        severity: 'info',
        message: `mean throughput ${comparison.overall.before?.throughput} → ${comparison.overall.after?.throughput} req/s (${signed(t)} %) compared with the previous quarter`,
      });
    if (
      comparison.regressions.length === 0 &&
      !comparison.overall.regression &&
      !comparison.overall.errorRateRegression &&
      windows?.previous.requestsCounted
    ) {
      findings.push({
        severity: 'info',
        message: `no degradation: no route slower by more than ${s.regressionPercent} % with at least ${s.minRequests} requests in each quarter`,
      });
    }
  }

  const status = statusFrom(findings);
  return {
    status: nothing !== null && status === 'succeeded' ? 'skipped' : status,
    figures: {
      ...comparisonFigures(windows, comparison),
      degradedRoutes: comparison?.regressions.map((r) => r.route) ?? null,
      criteria: {
        regressionPercent: s.regressionPercent,
        minRequests: s.minRequests,
        errorRatePoints: s.errorRatePoints,
      },
      method: {
        ...WINDOW_METHOD,
        routeErrorRate: 'not measured: the samples keep errors for all routes together only',
      },
      svgChart: slices === null ? null : chart(previous, current),
    },
    findings,
    error: nothing !== null && status === 'succeeded' ? nothing : errorOf(findings),
  };
};

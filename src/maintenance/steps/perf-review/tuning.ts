import { statusFrom, type Step } from '../../step.js';
import type { Finding } from '../../types.js';
import { errorText } from '../shared/measure.js';
import { errorOf, refreshStatistics } from './actions.js';
import { compareWindows, comparisonFigures, regressionFindings, type Comparison } from './compare.js';
import { readSlices, windowOf, WINDOW_METHOD, type WindowFigures } from './history.js';
import { probeFigure, selfProbe } from './probe.js';
import { changePercent, settingsOf } from './settings.js';

const MONTH_DAYS = 30;

/**
 * Monthly (and preventive) step: the last 30 days against the 30 before, per route and overall,
 * naming every route whose p95 or average rose by more than `regressionPercent` with at least
 * `minRequests` requests on both sides. Then the safe optimization (statistics refresh) between
 * two runs of the self-probe, so the report shows the throughput before and after.
 */
export const performanceTuning: Step = async (ctx) => {
  const s = settingsOf(ctx);
  const findings: Finding[] = [];
  let windows: { previous: WindowFigures; current: WindowFigures } | null = null;
  let comparison: Comparison | null = null;
  try {
    const slices = await readSlices(ctx, ctx.now(), 2 * MONTH_DAYS);
    windows = { previous: windowOf(slices.slice(0, MONTH_DAYS)), current: windowOf(slices.slice(MONTH_DAYS)) };
    comparison = compareWindows(windows.previous, windows.current, s);
  } catch (e) {
    findings.push({ severity: 'error', message: `metric samples could not be read: ${errorText(e)}` });
  }
  if (windows !== null && windows.current.sampleCount === 0) {
    findings.push({
      severity: 'warning',
      message: 'no metric samples in the last 30 days (was the server running?): nothing to tune from',
    });
  } else if (windows !== null && windows.previous.requestsCounted === 0) {
    findings.push({
      severity: 'info',
      message: 'no requests recorded in the previous 30 days: no month-over-month comparison yet',
    });
  }
  if (comparison !== null) findings.push(...regressionFindings(comparison, 'previous 30 days'));

  const before = await selfProbe(ctx, 'before tuning', findings);
  const action = await refreshStatistics(ctx, findings);
  const after = await selfProbe(ctx, 'after tuning', findings);
  const probeChange = changePercent(before?.requestsPerSecond ?? null, after?.requestsPerSecond ?? null);
  if (before !== null && after !== null) {
    // Info only: a short probe varies by several percent from run to run on an unchanged system.
    findings.push({
      severity: 'info',
      message: `self-probe ${before.requestsPerSecond} req/s before the statistics refresh, ${after.requestsPerSecond} req/s after`,
    });
  }

  return {
    status: statusFrom(findings),
    figures: {
      ...comparisonFigures(windows, comparison),
      regressions: comparison?.regressions.map((r) => r.route) ?? null,
      probe: { before: probeFigure(before), after: probeFigure(after), changePercent: probeChange },
      actionsApplied: action === null ? [] : [action],
      criteria: { regressionPercent: s.regressionPercent, minRequests: s.minRequests },
      method: WINDOW_METHOD,
    },
    findings,
    error: errorOf(findings),
  };
};

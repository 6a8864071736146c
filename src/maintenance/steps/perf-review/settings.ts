import type { StepContext } from '../../step.js';

/**
 * Tunables of the performance review steps. Defaults below; a config file may override any of
 * them under `maintenance.perfReview` once the config schema carries that key; until then the
 * defaults apply.
 */
export interface PerfReviewSettings {
  /** A route's p95 (or average) must rise by more than this, in percent, to count as a regression. */
  readonly regressionPercent: number;
  /** Requests a route needs in each compared window before its change counts: few requests are noise. */
  readonly minRequests: number;
  /** A rise of the error rate by this many percentage points is a degradation. */
  readonly errorRatePoints: number;
  /** Routes listed by the weekly optimization. */
  readonly slowestRoutes: number;
  /** Event-loop lag p99 (ms) above which the node is busy with synchronous work. */
  readonly maxEventLoopLagMs: number;
  /** Share of minutes over a resource limit (percent) that is worth a recommendation. */
  readonly overLimitMinutesPercent: number;
  /** Statements listed from pg_stat_statements, and the calls one needs to be listed. */
  readonly slowQueryLimit: number;
  readonly slowQueryMinCalls: number;
  /** A statement's mean time (ms) from which it is worth a recommendation. */
  readonly slowQueryMs: number;
  /** Capacity planning: days of history fitted, fewest days to fit at all, days before Holt is considered. */
  readonly historyDays: number;
  readonly minHistoryDays: number;
  readonly holtMinDays: number;
  /** Relative change between the two halves' slopes that counts as a change of trend. */
  readonly trendChangeRatio: number;
  /** A limit forecast within this many days is a warning. */
  readonly horizonDays: number;
}

export const PERF_REVIEW_DEFAULTS: PerfReviewSettings = {
  regressionPercent: 20,
  minRequests: 100,
  errorRatePoints: 1,
  slowestRoutes: 10,
  maxEventLoopLagMs: 100,
  overLimitMinutesPercent: 5,
  slowQueryLimit: 10,
  slowQueryMinCalls: 5,
  slowQueryMs: 100,
  historyDays: 90,
  minHistoryDays: 7,
  holtMinDays: 21,
  trendChangeRatio: 0.5,
  horizonDays: 90,
};

export function settingsOf(ctx: StepContext): PerfReviewSettings {
  // Read structurally so that this folder works before and after the config key exists.
  const override = (ctx.config.maintenance as { perfReview?: Partial<PerfReviewSettings> }).perfReview;
  return { ...PERF_REVIEW_DEFAULTS, ...override };
}

export type { SlowQueriesResult } from '../../../store/admin-contract.js';

export const DAY_MS = 24 * 60 * 60 * 1000;
export const round2 = (n: number): number => Math.round(n * 100) / 100;
/** `after` relative to `before` in percent, or null when there is no base to compare with. */
export const changePercent = (before: number | null, after: number | null): number | null =>
  before === null || after === null || before === 0 ? null : round2(((after - before) / before) * 100);

/**
 * The longer-period performance steps: weekly optimization, monthly tuning, capacity planning and
 * the quarterly review. All read the per-minute samples the sampler stores (one day at a time,
 * history.ts), reuse the daily `performance` step's sample summary and self-probe, and apply no
 * change beyond a statistics refresh.
 */
export { performanceOptimization } from './optimization.js';
export { performanceTuning } from './tuning.js';
export { capacityPlanning } from './capacity.js';
export { performanceReview } from './review.js';

export { forecast, fitHolt, holt, type Fit, type Forecast, type Point } from './forecast.js';
export { compareWindows, OVERALL, type Change, type Comparison } from './compare.js';
export { currentReadings, dailyHistory, type CurrentReadings, type Series } from './capacity-data.js';
export { readSlices, windowOf, type Slice, type WindowFigures } from './history.js';
export { svgChart, type ChartPanel } from './svg.js';
export {
  PERF_REVIEW_DEFAULTS,
  settingsOf,
  type PerfReviewSettings,
  type SlowQueriesResult,
  type SlowQueryRow,
} from './settings.js';

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

export { forecast, fitHolt, holt, type Point } from './forecast.js';
export { OVERALL, type Change } from './compare.js';
export { svgChart } from './svg.js';
export { PERF_REVIEW_DEFAULTS, type SlowQueriesResult } from './settings.js';

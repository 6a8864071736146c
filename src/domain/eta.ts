import type { Eta, Queue } from './types.js';

/**
 * The service-queue estimator (docs/estimates.md says why this one, with the measurement).
 *
 * The ticket at position p is called at the p-th completion from now, so its wait is p × the
 * measured gap between completions (m), give or take a spread that grows with √p because
 * independent gaps add their variances. The spread is `scale × cv × m × √p`: `cv` is the gaps'
 * measured coefficient of variation, never below CV_FLOOR (a few equal gaps say little about the
 * next ones), and `scale` is the queue's calibration, moved after every call so that the share of
 * waits falling inside their quoted range holds the coverage target.
 */

/** Coverage the calibration holds unless a queue sets its own `etaCoverageTarget`. */
export const DEFAULT_COVERAGE_TARGET = 0.8;
/** The spread factor before any call was measured: a normal quantile for an 80 % two-sided range. */
export const INITIAL_SCALE = 1.28;
const MIN_SCALE = 0.2;
const MAX_SCALE = 20;
/** How far one call moves the scale (in log terms): small enough to hold, large enough to follow. */
const CALIBRATION_GAIN = 0.08;
export const CV_FLOOR = 0.25;
/** Before a completion is measured, the seed from the settings stands in with this much doubt. */
export const UNMEASURED_CV = 0.5;
/** Calls remembered for coverage: the "last N called tickets". */
const COVERAGE_WINDOW = 100;
/** Samples needed before the coverage is shown to customers. */
export const MIN_PUBLIC_SAMPLES = 20;

type Inputs = Pick<Queue, 'serviceSecondsEwma' | 'serviceSecondsVariance' | 'settings' | 'etaScale'>;

export const estimateWait = (queue: Inputs, position: number | null): Eta | null => waitEstimator(queue)(position);

/** The estimate at any position for one reading of the queue: a pass asks it once per watcher. */
export function waitEstimator(queue: Inputs): (position: number | null) => Eta | null {
  const measured = queue.serviceSecondsEwma;
  const mean = measured ?? queue.settings.averageServiceSeconds;
  const sd = Math.sqrt(Math.max(0, queue.serviceSecondsVariance ?? 0));
  const cv = measured === null || mean <= 0 ? UNMEASURED_CV : Math.max(CV_FLOOR, sd / mean);
  const unitSpread = (queue.etaScale ?? INITIAL_SCALE) * cv * mean;
  return (position) => {
    if (position === null) return null;
    const spread = unitSpread * Math.sqrt(position);
    const lowSeconds = Math.max(0, Math.round(position * mean - spread));
    const high = Math.max(0, Math.round(position * mean + spread));
    // Rounding can close a range of a fast queue; while someone is ahead it must stay open.
    return { lowSeconds, highSeconds: position > 1 && high <= lowSeconds ? lowSeconds + 1 : high };
  };
}

/** Whether a measured wait fell inside the range quoted at join (both ends included). */
export const withinQuote = (quoted: Eta, waitSeconds: number): boolean =>
  waitSeconds >= quoted.lowSeconds && waitSeconds <= quoted.highSeconds;

export interface Calibration {
  readonly scale: number;
  /** Outcomes of the last calls, oldest first: '1' inside the quoted range, '0' outside. */
  readonly window: string;
}

/**
 * One call's outcome moves the scale: a miss widens it, a hit narrows it, by amounts whose
 * balance point is a miss rate of 1 − target (a stochastic approximation of the target quantile).
 */
export function calibrate(
  before: { scale: number | null; window: string | null },
  hit: boolean,
  target: number,
): Calibration {
  const scale = before.scale ?? INITIAL_SCALE;
  const moved = scale * Math.exp(CALIBRATION_GAIN * ((hit ? 0 : 1) - (1 - target)));
  return {
    scale: Math.min(MAX_SCALE, Math.max(MIN_SCALE, moved)),
    window: ((before.window ?? '') + (hit ? '1' : '0')).slice(-COVERAGE_WINDOW),
  };
}

export interface Coverage {
  readonly samples: number;
  readonly coverage: number | null;
}

export function coverageOf(window: string | null): Coverage {
  const w = window ?? '';
  if (w.length === 0) return { samples: 0, coverage: null };
  let hits = 0;
  for (const c of w) if (c === '1') hits += 1;
  return { samples: w.length, coverage: hits / w.length };
}

/** What customers are shown: nothing until enough calls were measured to mean something. */
export function publicCoverage(window: string | null): { samples: number; coverage: number } | null {
  const c = coverageOf(window);
  return c.samples >= MIN_PUBLIC_SAMPLES && c.coverage !== null ? { samples: c.samples, coverage: c.coverage } : null;
}

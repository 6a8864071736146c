/**
 * Measures wait estimators on simulated queues with known arrival and service distributions:
 * the share of waits inside the quoted range (coverage) and the median distance of the wait from
 * the middle of the range. `npx tsx bench/eta.ts` prints the table in docs/estimates.md.
 */
import { calibrate, estimateWait, DEFAULT_COVERAGE_TARGET } from '../src/domain/eta.js';
import { DEFAULT_QUEUE_SETTINGS, type Eta, type Queue } from '../src/domain/types.js';
import { exponential, seeded } from '../test/support/seeded.js';

type Rng = () => number;
const normal = (rng: Rng) => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());

interface Pattern {
  name: string;
  desks: number;
  hours: number;
  /** Arrivals per hour at time t (seconds since opening). */
  rate(t: number): number;
  service(rng: Rng): number;
}

const PATTERNS: Pattern[] = [
  {
    name: 'steady: Poisson 50/h, 1 desk, exponential service 60 s',
    desks: 1,
    hours: 8,
    rate: () => 50,
    service: (r) => exponential(r, 60),
  },
  {
    name: 'regular: Poisson 100/h, 2 desks, service 60 s ± 10 %',
    desks: 2,
    hours: 8,
    rate: () => 100,
    service: (r) => 54 + 12 * r(),
  },
  {
    name: 'rush hour: 40/h, 150/h from 3 h to 4 h, 3 desks, log-normal service 70 s (cv 1)',
    desks: 3,
    hours: 8,
    rate: (t) => (t >= 3 * 3600 && t < 4 * 3600 ? 150 : 40),
    service: (r) => 70 * Math.exp(0.8326 * normal(r) - 0.3466),
  },
];

type Estimator = (q: SimQueue, position: number) => Eta;
interface SimQueue {
  ewma: number | null;
  variance: number | null;
  scale: number | null;
  window: string | null;
}

const asQueue = (q: SimQueue): Parameters<typeof estimateWait>[0] => ({
  serviceSecondsEwma: q.ewma,
  serviceSecondsVariance: q.variance,
  etaScale: q.scale,
  settings: { ...DEFAULT_QUEUE_SETTINGS, averageServiceSeconds: 60 } satisfies Queue['settings'],
});

/** The estimator before this change: one standard deviation of the gaps either side, no floor. */
const previous: Estimator = (q, p) => {
  const mean = q.ewma ?? 60;
  const sd = q.ewma === null ? mean * 0.5 : Math.sqrt(Math.max(0, q.variance ?? 0));
  const spread = sd * Math.sqrt(p);
  return {
    lowSeconds: Math.max(0, Math.round(p * mean - spread)),
    highSeconds: Math.max(0, Math.round(p * mean + spread)),
  };
};
const floored: Estimator = (q, p) => estimateWait({ ...asQueue(q), etaScale: null }, p) as Eta;
const calibrated: Estimator = (q, p) => estimateWait(asQueue(q), p) as Eta;
const CANDIDATES: [string, Estimator, boolean][] = [
  ['previous (mean ± sd·√p)', previous, false],
  ['cv floor, fixed z = 1.28', floored, false],
  ['cv floor + calibration (chosen)', calibrated, true],
];

/** One simulated day, FIFO, as the store measures it: the gap between completions while people wait. */
function day(p: Pattern, est: Estimator, calibrating: boolean, seed: number) {
  const rng = seeded(seed);
  const q: SimQueue = { ewma: null, variance: null, scale: null, window: null };
  const waiting: { joined: number; quote: Eta }[] = [];
  const desks: (number | null)[] = Array.from({ length: p.desks }, () => null);
  let lastCompleted: number | null = null;
  let nextArrival = exponential(rng, 3600 / p.rate(0));
  const outcomes: { hit: boolean; err: number; point: boolean }[] = [];
  const end = p.hours * 3600;
  const call = (now: number, desk: number) => {
    const w = waiting.shift();
    if (!w) return;
    const wait = now - w.joined;
    const hit = wait >= w.quote.lowSeconds && wait <= w.quote.highSeconds;
    outcomes.push({ hit, err: Math.abs(wait - (w.quote.lowSeconds + w.quote.highSeconds) / 2), point: false });
    if (calibrating) Object.assign(q, calibrate(q, hit, DEFAULT_COVERAGE_TARGET));
    desks[desk] = now + p.service(rng);
  };
  for (;;) {
    const busy = desks.map((d, i) => [d, i] as const).filter((x): x is readonly [number, number] => x[0] !== null);
    const firstDone = busy.reduce<readonly [number, number] | null>(
      (a, b) => (a === null || b[0] < a[0] ? b : a),
      null,
    );
    if (nextArrival >= end && firstDone === null && waiting.length === 0) break;
    if (firstDone !== null && (firstDone[0] <= nextArrival || nextArrival >= end)) {
      const t = firstDone[0];
      desks[firstDone[1]] = null;
      if (lastCompleted !== null && waiting.length > 0) {
        const sample = t - lastCompleted;
        if (q.ewma === null) Object.assign(q, { ewma: sample, variance: 0 });
        else {
          const diff = sample - q.ewma;
          q.variance = 0.8 * ((q.variance ?? 0) + 0.2 * diff * diff);
          q.ewma += 0.2 * diff;
        }
      }
      lastCompleted = t;
      call(t, firstDone[1]);
    } else {
      const t = nextArrival;
      nextArrival = t + exponential(rng, 3600 / p.rate(t));
      const position = waiting.length + 1;
      const quote = est(q, position);
      if (position > 1 && quote.highSeconds <= quote.lowSeconds) outcomes.push({ hit: false, err: 0, point: true });
      waiting.push({ joined: t, quote });
      const free = desks.indexOf(null);
      if (free >= 0) call(t, free);
    }
  }
  return outcomes;
}

const DAYS = 20;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
console.log('| pattern | estimator | calls | coverage | median error (s) | point ranges |');
console.log('|---|---|---:|---:|---:|---:|');
for (const p of PATTERNS)
  for (const [name, est, cal] of CANDIDATES) {
    const all = Array.from({ length: DAYS }, (_, i) => day(p, est, cal, 1000 + i)).flat();
    const calls = all.filter((o) => !o.point);
    const cover = calls.filter((o) => o.hit).length / calls.length;
    console.log(
      `| ${p.name} | ${name} | ${calls.length} | ${(cover * 100).toFixed(1)} % | ${median(calls.map((o) => o.err)).toFixed(0)} | ${all.length - calls.length} |`,
    );
  }

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  fitHolt,
  forecast,
  holt,
  PERF_REVIEW_DEFAULTS,
  svgChart,
  type Point,
} from '../../../src/maintenance/steps/perf-review/index.js';
import { leastSquares } from './support.js';

const line = (n: number, f: (x: number) => number): Point[] =>
  Array.from({ length: n }, (_, i) => [i - n, f(i - n)] as Point);

describe("Holt's linear method", () => {
  it('follows a straight line exactly: level ends on the last value, trend is the slope', () => {
    const values = Array.from({ length: 10 }, (_, i) => 5 + 3 * i);
    const h = holt(values, 0.5, 0.3);
    const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≠ ${b}`);
    near(h.level, 5 + 3 * 9);
    near(h.trend, 3);
    near(h.sse, 0);
    h.fitted.forEach((f, i) => near(f, values[i] as number));
  });

  it('smooths by the textbook recurrences', () => {
    // level0 = 10, trend0 = 2; step 2: forecast 14, level = .5*13 + .5*14 = 13.5, trend = .5*(13.5-12) + .5*2 = 1.75
    const h = holt([10, 12, 13], 0.5, 0.5);
    assert.deepEqual(h.fitted, [10, 12, 14]);
    assert.equal(h.level, 13.5);
    assert.equal(h.trend, 1.75);
    assert.equal(h.sse, 1);
  });

  it('picks α and β with the least one-step error', () => {
    const kinked = [
      ...Array.from({ length: 20 }, () => 100),
      ...Array.from({ length: 20 }, (_, i) => 100 + 10 * (i + 1)),
    ];
    const best = fitHolt(kinked);
    for (const a of [0.1, 0.5, 0.9]) for (const b of [0.1, 0.5, 0.9]) assert.ok(best.sse <= holt(kinked, a, b).sse);
  });
});

describe('forecast', () => {
  it('answers "insufficient history" below the minimum, with no invented figures', () => {
    const f = forecast(
      line(6, (x) => 100 + x),
      1000,
      PERF_REVIEW_DEFAULTS,
    ).forecast;
    assert.equal(f.status, 'skipped');
    assert.equal(f.reason, 'insufficient history: 6 days (at least 7 needed)');
    assert.equal(f.slopePerDay, null);
    assert.equal(f.daysUntilLimit, null);
  });

  it('fits a line with slope, R² and the days until the limit', () => {
    const pts = line(30, (x) => 500 + 4 * x + (x % 2 === 0 ? 3 : -3));
    const ls = leastSquares(pts);
    const f = forecast(pts, 900, PERF_REVIEW_DEFAULTS).forecast;
    assert.equal(f.model, 'linear');
    assert.equal(f.trendChanged, false);
    assert.equal(f.slopePerDay, Math.round(ls.m * 1e4) / 1e4);
    assert.equal(f.r2, Math.round(ls.r2 * 1e4) / 1e4);
    assert.equal(f.valueNow, Math.round(ls.b * 1e4) / 1e4);
    assert.equal(f.daysUntilLimit, Math.round(((900 - ls.b) / ls.m) * 10) / 10);
  });

  it('switches to Holt when the trend changed, and follows the recent slope', () => {
    const pts = line(60, (x) => (x < -30 ? 200 : 200 + 20 * (x + 30)));
    const { forecast: f } = forecast(pts, 2000, PERF_REVIEW_DEFAULTS);
    assert.equal(f.model, 'holt');
    assert.equal(f.trendChanged, true);
    assert.ok(Math.abs((f.firstHalfSlope ?? NaN) - 0) < 1e-9, String(f.firstHalfSlope));
    assert.equal(f.secondHalfSlope, 20);
    assert.ok(Math.abs((f.slopePerDay ?? 0) - 20) < 0.5, `Holt slope ${f.slopePerDay}`);
    assert.ok(leastSquares(pts).m < 15, 'a single line would understate the recent growth');
    // last value 780 at x = -1; at 20/day the limit of 2000 is about 60 days away.
    assert.ok(Math.abs((f.daysUntilLimit ?? 0) - (2000 - 800) / 20) < 2, String(f.daysUntilLimit));
  });

  it('gives no date for a flat series, and 0 days for one already over its limit', () => {
    const flat = forecast(
      line(30, () => 40),
      80,
      PERF_REVIEW_DEFAULTS,
    ).forecast;
    assert.equal(flat.slopePerDay, 0);
    assert.equal(flat.r2, null);
    assert.equal(flat.daysUntilLimit, null);
    assert.equal(flat.daysUntilLimitReason, 'not growing');
    const over = forecast(
      line(10, (x) => 90 + x),
      80,
      PERF_REVIEW_DEFAULTS,
    ).forecast;
    assert.equal(over.daysUntilLimit, 0);
  });
});

describe('svgChart', () => {
  it('is a self-contained SVG with escaped text and a limit line', () => {
    const svg = svgChart('a <b> & "c"', [
      {
        title: 'waiting',
        lines: [
          {
            name: 'x<y',
            points: [
              [-2, 1],
              [-1, 2],
            ],
          },
        ],
        limit: 5,
        xLabel: String,
      },
    ]);
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
    assert.ok(svg.endsWith('</svg>'));
    assert.ok(svg.includes('a &lt;b&gt; &amp; &quot;c&quot;'));
    assert.ok(svg.includes('x&lt;y'));
    assert.ok(svg.includes('limit 5'));
    assert.ok(!/<script|href=/i.test(svg));
  });
});

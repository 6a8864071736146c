import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderHtml } from '../../../src/maintenance/report/index.js';
import { dailyHistory } from '../../../src/maintenance/steps/perf-review/capacity-data.js';
import { capacityPlanning, type Point } from '../../../src/maintenance/steps/perf-review/index.js';
import { COMBOS } from '../../support/harness.js';
import { stepContextOf, sample } from '../../support/maintenance.js';
import { withStepNode, type StepNode } from '../../support/step-node.js';
import { DAY, embeddedSvg, HOUR, insertAll, joinAt, leastSquares, runWith, utcDay } from './support.js';

const READ = 'GET /api/queues/:queueId';

/**
 * `days` whole UTC days before today: the peak of waiting tickets at noon (a lower reading at
 * 06:00, so the daily peak is a max), and at noon a busiest minute of `rps(k)` req/s.
 */
async function history(
  node: StepNode,
  today: Date,
  days: number,
  waiting: (k: number) => number,
  rps: (k: number) => number,
): Promise<Point[]> {
  const points: Point[] = [];
  const samples = [];
  for (let k = 1; k <= days; k++) {
    const day = today.getTime() - k * DAY;
    samples.push(sample(new Date(day + 6 * HOUR), {}, { waitingTotal: waiting(k) - 50 }));
    samples.push(
      sample(
        new Date(day + 12 * HOUR),
        { [READ]: { count: Math.round(rps(k) * 60), avgMs: 10, p95Ms: 20 } },
        { waitingTotal: waiting(k) },
      ),
    );
    points.push([-k, waiting(k)]);
  }
  await insertAll(node, samples);
  return points;
}

const r4 = (n: number): number => Math.round(n * 1e4) / 1e4;

for (const combo of COMBOS) {
  describe(`capacityPlanning on ${combo.name}`, { skip: combo.skip }, () => {
    const now = new Date();
    const today = utcDay(now);

    it('reports flat series as not growing, and the readings that have no history', () =>
      withStepNode(combo, async (node) => {
        await node.rt.service.createQueue({ name: 'open-ended', mode: 'service' });
        await history(
          node,
          today,
          30,
          () => 80,
          () => 5,
        );
        const out = await capacityPlanning(stepContextOf(node, { now: () => now }));
        assert.equal(out.status, 'succeeded', JSON.stringify(out.findings));
        const f = out.figures as Record<string, any>;
        assert.equal(f.forecasts.waitingPeak.slopePerDay, 0);
        assert.equal(f.forecasts.waitingPeak.limit, null);
        assert.equal(f.forecasts.waitingPeak.limitSource, '1 of 1 queues have no capacity limit');
        assert.equal(f.forecasts.requestsPerSecondPeak.daysUntilLimitReason, 'not growing');
        assert.deepEqual(f.bottlenecks, []);
        assert.ok(f.currentOnly.includes('databaseSizeBytes') && f.currentOnly.includes('dataDirDiskPercent'));
        assert.ok(f.forecasts.databaseSizeBytes.current > 0);
        assert.equal(f.forecasts.databaseSizeBytes.reason, 'history not stored: current reading only');
        if (node.rt.live.kind === 'redis') assert.equal(typeof f.forecasts.redisMemoryPercent.current, 'number');
        else assert.equal(f.forecasts.redisMemoryPercent, undefined);
      }));

    it('forecasts the days until the waiting limit from 60 days of steady growth', () =>
      withStepNode(combo, async (node) => {
        await node.rt.service.createQueue({ name: 'capped', mode: 'service', capacity: 1000 });
        // 10 more waiting each day, ±4 of noise, 690 (or so) yesterday; 0.1 req/s more each day, 6.9
        // yesterday: slow enough that the waiting limit comes first even when a loaded host's
        // throughput probe (the request rate's limit) measures only tens of requests a second.
        const points = await history(
          node,
          today,
          60,
          (k) => 700 - 10 * k + (k % 2 === 0 ? 4 : -4),
          (k) => 7 - 0.1 * k,
        );
        const ls = leastSquares(points);
        const out = await capacityPlanning(stepContextOf(node, { now: () => now }));
        const f = out.figures as Record<string, any>;
        const w = f.forecasts.waitingPeak;
        assert.equal(w.status, 'forecast');
        assert.equal(w.model, 'linear');
        assert.equal(w.days, 60);
        assert.equal(w.slopePerDay, r4(ls.m));
        assert.ok(w.slopePerDay > 9.9 && w.slopePerDay < 10.1, String(w.slopePerDay));
        assert.equal(w.r2, r4(ls.r2));
        assert.ok(w.r2 > 0.99, String(w.r2));
        assert.equal(w.valueNow, r4(ls.b));
        assert.equal(w.limit, 1000);
        assert.equal(w.daysUntilLimit, Math.round(((1000 - ls.b) / ls.m) * 10) / 10);
        assert.ok(w.daysUntilLimit > 29 && w.daysUntilLimit < 31, String(w.daysUntilLimit));
        assert.equal(f.bottlenecks[0].series, 'waitingPeak');
        assert.ok(
          out.findings.some(
            (x) => x.severity === 'warning' && x.message.includes(`the limit is reached in ${w.daysUntilLimit} days`),
          ),
          JSON.stringify(out.findings),
        );
        assert.equal(out.status, 'warning');

        const rps = f.forecasts.requestsPerSecondPeak;
        const probe = f.throughputProbe.requestsPerSecond as number;
        assert.equal(rps.limit, probe);
        assert.ok(Math.abs(rps.slopePerDay - 0.1) < 1e-4 && Math.abs(rps.valueNow - 7) < 1e-4, JSON.stringify(rps));
        if (probe > 7)
          assert.ok(
            Math.abs(rps.daysUntilLimit - (probe - 7) / 0.1) <= 0.1,
            `${rps.daysUntilLimit} vs ${(probe - 7) / 0.1}`,
          );
        assert.equal(f.forecasts.memoryPercentPeak.daysUntilLimitReason, 'not growing');

        const svg = embeddedSvg(renderHtml(runWith('capacityPlanning', out)));
        assert.ok(svg !== null && svg.startsWith('<svg'), 'the HTML report carries the chart');
        assert.ok(
          svg.includes('peak waiting tickets per day') &&
            svg.includes('forecast (linear)') &&
            svg.includes('limit 1000'),
        );
      }));

    it('answers "insufficient history" with no forecast when only 3 days are stored', () =>
      withStepNode(combo, async (node) => {
        await history(
          node,
          today,
          3,
          (k) => 100 - k,
          () => 5,
        );
        const out = await capacityPlanning(stepContextOf(node, { now: () => now }));
        assert.equal(out.status, 'skipped', JSON.stringify(out.findings));
        const f = out.figures as Record<string, any>;
        for (const key of ['waitingPeak', 'requestsPerSecondPeak', 'memoryPercentPeak']) {
          assert.equal(f.forecasts[key].status, 'skipped');
          assert.equal(f.forecasts[key].reason, 'insufficient history: 3 days (at least 7 needed)');
          assert.equal(f.forecasts[key].slopePerDay, null);
          assert.equal(f.forecasts[key].daysUntilLimit, null);
        }
        assert.ok(
          out.findings.some(
            (x) =>
              x.message ===
              'peak waiting tickets per day: no forecast: insufficient history: 3 days (at least 7 needed)',
          ),
        );
      }));

    it('counts joins per day from the tickets still in the database', () =>
      withStepNode(combo, async (node) => {
        const q = await node.rt.service.createQueue({ name: 'joins', mode: 'service' });
        await joinAt(node, q.id, 2, new Date(today.getTime() - 3 * DAY + 9 * HOUR));
        await joinAt(node, q.id, 5, new Date(today.getTime() - 2 * DAY + 9 * HOUR));
        await history(
          node,
          today,
          4,
          () => 10,
          () => 1,
        );
        const h = await dailyHistory(stepContextOf(node), today, 10);
        assert.deepEqual(h.joins, [
          [-4, 0],
          [-3, 2],
          [-2, 5],
          [-1, 0],
        ]);
      }));
  });
}

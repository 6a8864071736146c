import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderHtml } from '../../../src/maintenance/report/index.js';
import { performanceReview, type Change } from '../../../src/maintenance/steps/perf-review/index.js';
import { COMBOS } from '../../support/harness.js';
import { stepContextOf, sample } from '../../support/maintenance.js';
import { withStepNode, type StepNode } from '../../support/step-node.js';
import { ago, embeddedSvg, insertAll, runWith } from './support.js';

const READ = 'GET /api/queues/:queueId';
const JOIN = 'POST /api/queues/:queueId/tickets';

interface Quarter {
  readonly joinP95: number;
  readonly joinAvg: number;
  readonly readCount: number;
  readonly errors: number;
}

/** One sample a day: days 1..89 are this quarter, 91..179 the previous one. */
async function twoQuarters(node: StepNode, now: Date, previous: Quarter, current: Quarter): Promise<void> {
  const samples = [];
  for (let d = 1; d <= 179; d++) {
    if (d === 90) continue;
    const q = d < 90 ? current : previous;
    samples.push(
      sample(
        ago(now, d),
        {
          [READ]: { count: q.readCount, avgMs: 10, p95Ms: 20 },
          [JOIN]: { count: 200, avgMs: q.joinAvg, p95Ms: q.joinP95 },
        },
        { errors: q.errors },
      ),
    );
  }
  await insertAll(node, samples);
}

const route = (f: Record<string, unknown>, name: string): Change =>
  (f.routes as Change[]).find((r) => r.route === name) as Change;
const STEADY: Quarter = { joinP95: 30, joinAvg: 15, readCount: 600, errors: 0 };

for (const combo of COMBOS) {
  describe(`performanceReview on ${combo.name}`, { skip: combo.skip }, () => {
    const now = new Date();

    it('is skipped with the reason when there is nothing to compare, as capacityPlanning is', () =>
      withStepNode(combo, async (node) => {
        const empty = await performanceReview(stepContextOf(node, { now: () => now }));
        assert.equal(empty.status, 'skipped', JSON.stringify(empty.findings));
        assert.match(empty.error ?? '', /no requests recorded in the last 90 days/);
        const current = [];
        for (let d = 1; d < 90; d++)
          current.push(sample(ago(now, d), { [READ]: { count: 600, avgMs: 10, p95Ms: 20 } }));
        await insertAll(node, current);
        const oneQuarter = await performanceReview(stepContextOf(node, { now: () => now }));
        assert.equal(oneQuarter.status, 'skipped', JSON.stringify(oneQuarter.findings));
        assert.match(oneQuarter.error ?? '', /previous 90 days/);
      }));

    it('reports no degradation quarter over quarter on a steady system', () =>
      withStepNode(combo, async (node) => {
        await twoQuarters(node, now, STEADY, STEADY);
        const out = await performanceReview(stepContextOf(node, { now: () => now }));
        assert.equal(out.status, 'succeeded', JSON.stringify(out.findings));
        const f = out.figures as Record<string, any>;
        assert.deepEqual(f.degradedRoutes, []);
        assert.equal(f.overall.p95ChangePercent, 0);
        assert.equal(f.overall.errorRatePercentAfter, 0);
        assert.equal(f.current.requestsCounted, 89 * 800);
        assert.equal(f.previous.requestsCounted, 89 * 800);
        assert.ok(out.findings.some((x) => x.message.startsWith('no degradation')));
        assert.ok(String(f.svgChart).startsWith('<svg'));
      }));

    it('reports a slower route, more errors and the traffic change after a degraded quarter', () =>
      withStepNode(combo, async (node) => {
        await twoQuarters(node, now, STEADY, { joinP95: 75, joinAvg: 30, readCount: 1200, errors: 28 });
        const out = await performanceReview(stepContextOf(node, { now: () => now }));
        assert.equal(out.status, 'warning');
        const f = out.figures as Record<string, any>;
        assert.deepEqual(f.degradedRoutes, [JOIN]);
        const join = route(f, JOIN);
        assert.deepEqual(
          [join.before?.p95Ms, join.after?.p95Ms, join.p95ChangePercent, join.avgChangePercent],
          [30, 75, 150, 100],
        );
        assert.equal(route(f, READ).throughputChangePercent, 100);
        assert.equal(route(f, READ).regression, false);
        // 28 errors a day over 1400 requests a day.
        assert.equal(f.overall.errorRatePercentAfter, 2);
        assert.equal(f.overall.errorRateRegression, true);
        const messages = out.findings.map((x) => x.message);
        assert.ok(
          messages.some((m) =>
            m.startsWith(
              `${JOIN}: slower than the previous quarter: p95 30 → 75 ms (+150 %), average 15 → 30 ms (+100 %)`,
            ),
          ),
          messages.join('\n'),
        );
        assert.ok(
          messages.includes('error rate rose from 0 % to 2 % compared with the previous quarter'),
          messages.join('\n'),
        );

        const html = renderHtml(runWith('performanceReview', out));
        const svg = embeddedSvg(html);
        assert.ok(svg !== null && svg.startsWith('<svg'), 'the HTML report carries the chart');
        assert.ok(svg.includes('previous 90 days') && svg.includes('p95 response time per day (ms)'));
      }));
  });
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OVERALL, performanceTuning, type Change } from '../../../src/maintenance/steps/perf-review/index.js';
import { COMBOS } from '../../support/harness.js';
import { stepContextOf, sample } from '../../support/maintenance.js';
import { withStepNode, type StepNode } from '../../support/step-node.js';
import { ago, insertAll } from './support.js';

const READ = 'GET /api/queues/:queueId';
const JOIN = 'POST /api/queues/:queueId/tickets';
const RARE = 'DELETE /api/tickets/:ticketId';

/** One sample a day in each month: days 1..29 are this month, 31..59 the previous one. */
async function twoMonths(node: StepNode, now: Date, joinP95: { previous: number; current: number }): Promise<void> {
  const samples = [];
  for (let d = 1; d <= 59; d++) {
    if (d === 30) continue;
    const p95 = d < 30 ? joinP95.current : joinP95.previous;
    samples.push(
      sample(ago(now, d), {
        [READ]: { count: 600, avgMs: 10, p95Ms: 20 },
        [JOIN]: { count: 100, avgMs: p95 / 2, p95Ms: p95 },
        // Two requests a day: its doubling is noise, below the default 100 requests per window.
        [RARE]: { count: 2, avgMs: d < 30 ? 40 : 20, p95Ms: d < 30 ? 80 : 40 },
      }),
    );
  }
  await insertAll(node, samples);
}

const route = (f: Record<string, unknown>, name: string): Change =>
  (f.routes as Change[]).find((r) => r.route === name) as Change;

for (const combo of COMBOS) {
  describe(`performanceTuning on ${combo.name}`, { skip: combo.skip }, () => {
    const now = new Date();

    it('finds no regression on a steady system, refreshes statistics and probes before and after', () =>
      withStepNode(combo, async (node) => {
        await twoMonths(node, now, { previous: 30, current: 30 });
        const out = await performanceTuning(stepContextOf(node, { now: () => now }));
        assert.equal(out.status, 'succeeded', JSON.stringify(out.findings));
        const f = out.figures as Record<string, any>;
        assert.deepEqual(f.regressions, []);
        assert.equal(route(f, JOIN).p95ChangePercent, 0);
        assert.equal(route(f, READ).throughputChangePercent, 0);
        assert.equal(f.overall.route, OVERALL);
        assert.equal(f.current.requestsCounted, 29 * 702);
        assert.ok(f.probe.before.requestsPerSecond > 0 && f.probe.after.requestsPerSecond > 0, JSON.stringify(f.probe));
        assert.equal(f.actionsApplied[0].action, 'statistics refresh');
      }));

    it('flags a route whose p95 doubled this month, and not a rare one', () =>
      withStepNode(combo, async (node) => {
        await twoMonths(node, now, { previous: 30, current: 60 });
        const out = await performanceTuning(stepContextOf(node, { now: () => now }));
        assert.equal(out.status, 'warning');
        const f = out.figures as Record<string, any>;
        assert.ok(f.regressions.includes(JOIN), String(f.regressions));
        assert.ok(!f.regressions.includes(RARE), 'two requests a day are not enough to judge');
        const join = route(f, JOIN);
        assert.equal(join.p95ChangePercent, 100);
        assert.equal(join.before?.p95Ms, 30);
        assert.equal(join.after?.p95Ms, 60);
        assert.equal(route(f, RARE).p95ChangePercent, 100);
        assert.equal(route(f, RARE).regression, false);
        assert.ok(
          out.findings.some(
            (x) =>
              x.severity === 'warning' &&
              x.message.startsWith(`${JOIN}: slower than the previous 30 days: p95 30 → 60 ms (+100 %)`),
          ),
          JSON.stringify(out.findings),
        );
      }));

    it('says there is nothing to compare with when last month is empty', () =>
      withStepNode(combo, async (node) => {
        await insertAll(node, [sample(ago(now, 1), { [READ]: { count: 600, avgMs: 10, p95Ms: 20 } })]);
        const out = await performanceTuning(stepContextOf(node, { now: () => now }));
        assert.equal(out.status, 'succeeded');
        assert.ok(out.findings.some((x) => x.message.startsWith('no requests recorded in the previous 30 days')));
        assert.equal(route(out.figures, READ).p95ChangePercent, null);
      }));
  });
}

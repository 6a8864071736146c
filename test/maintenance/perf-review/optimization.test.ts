import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { performanceOptimization, type SlowQueriesResult } from '../../../src/maintenance/steps/perf-review/index.js';
import { COMBOS } from '../../support/harness.js';
import { LENIENT, stepContextOf, sample } from '../../support/maintenance.js';
import { rawSql, withStepNode, type StepNode } from '../../support/step-node.js';
import { ago, insertAll } from './support.js';

const READ = 'GET /api/queues/:queueId';
const JOIN = 'POST /api/queues/:queueId/tickets';

/** A healthy week: two routes, one sample a day, quiet CPU, memory and event loop. */
async function healthyWeek(node: StepNode, now: Date): Promise<void> {
  const days = [1, 2, 3, 4, 5, 6].map((d) =>
    sample(ago(now, d), { [READ]: { count: 600, avgMs: 10, p95Ms: 20 }, [JOIN]: { count: 200, avgMs: 15, p95Ms: 30 } }),
  );
  await insertAll(node, days);
}

for (const combo of COMBOS) {
  describe(`performanceOptimization on ${combo.name}`, { skip: combo.skip }, () => {
    const now = new Date();

    it('lists the routes, recommends nothing and refreshes statistics on a clean system', () =>
      withStepNode(combo, async (node) => {
        await healthyWeek(node, now);
        const out = await performanceOptimization(stepContextOf(node, { now: () => now }));
        assert.equal(out.status, 'succeeded', JSON.stringify(out.findings));
        const f = out.figures as Record<string, any>;
        assert.deepEqual(
          f.slowestRoutes.map((r: any) => [r.route, r.count, r.p95Ms]),
          [
            [JOIN, 1200, 30],
            [READ, 3600, 20],
          ],
        );
        assert.equal(f.requestsCounted, 4800);
        assert.deepEqual(f.recommendations, []);
        assert.equal(f.eventLoopLagP99Ms.average, 1);
        assert.equal(f.cpuPercent.minutesOver, 0);
        assert.equal(f.actionsApplied[0].action, 'statistics refresh');
        const sq = f.slowQueries as SlowQueriesResult;
        assert.equal(sq.available, false);
        if (combo.name.startsWith('SQLite')) assert.match(sq.reason ?? '', /^not applicable: SQLite/);
        else assert.ok(sq.available || /pg_stat_statements/.test(sq.reason ?? ''), sq.reason);
      }));

    it('names a route made slow, and the event-loop lag, with concrete numbers', () =>
      withStepNode(combo, async (node) => {
        await healthyWeek(node, now);
        await insertAll(node, [
          sample(ago(now, 2, 1), { [JOIN]: { count: 400, avgMs: 700, p95Ms: 2500 } }, { eventLoopLagP99Ms: 350 }),
          sample(ago(now, 3, 1), { [JOIN]: { count: 400, avgMs: 700, p95Ms: 2500 } }, { eventLoopLagP99Ms: 350 }),
          // An hour of lagging minutes: averages are judged only past 60 minutes of samples.
          ...Array.from({ length: 60 }, (_, i) =>
            sample(new Date(ago(now, 4).getTime() + i * 60_000), {}, { eventLoopLagP99Ms: 350 }),
          ),
        ]);
        const thresholds = { ...LENIENT, maxP95ResponseMs: 1000 };
        const out = await performanceOptimization(stepContextOf(node, { now: () => now, maintenance: { thresholds } }));
        assert.equal(out.status, 'warning');
        const f = out.figures as Record<string, any>;
        // 1200 requests at p95 30 and 800 at p95 2500, weighted by count.
        const p95 = Math.round(((1200 * 30 + 800 * 2500) / 2000) * 100) / 100;
        assert.deepEqual(
          [f.slowestRoutes[0].route, f.slowestRoutes[0].count, f.slowestRoutes[0].p95Ms],
          [JOIN, 2000, p95],
        );
        const advice = f.recommendations as string[];
        assert.ok(
          advice.some((m) => m.startsWith(`${JOIN}: p95 ${p95} ms is over the 1000 ms threshold over 2000 requests`)),
          advice.join('\n'),
        );
        assert.ok(!advice.some((m) => m.startsWith(READ)), 'the fast route is not named');
        assert.ok(
          advice.some((m) => m.startsWith('event-loop lag p99')),
          advice.join('\n'),
        );
        assert.equal(f.eventLoopLagP99Ms.minutesOver, 62);
      }));

    it('judges queuekeeper’s own CPU, not the host’s, and rates routes over the minutes sampled', () =>
      withStepNode(combo, async (node) => {
        // 15 minutes of a busy shared host: the case that once read "add a node".
        await insertAll(
          node,
          Array.from({ length: 15 }, (_, i) =>
            sample(
              new Date(ago(now, 1).getTime() + i * 60_000),
              { [READ]: { count: 600, avgMs: 10, p95Ms: 20 } },
              { cpuPercent: 100 },
            ),
          ),
        );
        const out = await performanceOptimization(stepContextOf(node, { now: () => now }));
        const f = out.figures as Record<string, any>;
        assert.equal(f.cpuPercent.average, 100);
        assert.equal(typeof f.processCpuPercent, 'number');
        assert.deepEqual(f.averagesBasis, { samples: 15, minutesCovered: 15, judged: false });
        assert.ok(
          out.findings.some(
            (x) => x.severity === 'info' && /rest on 15 samples over 15 minutes: not judged/.test(x.message),
          ),
          JSON.stringify(out.findings),
        );
        assert.ok(!out.findings.some((x) => /add a node/.test(x.message)), JSON.stringify(out.findings));
        assert.equal(out.status, 'succeeded', JSON.stringify(out.findings));
        // 9000 requests in 15 sampled minutes: 10 req/s, not 9000 over a whole week.
        assert.equal(f.slowestRoutes[0].throughput, 10);

        // An hour of it is judged: the host's load is named as the host's, still no node asked for.
        await insertAll(
          node,
          Array.from({ length: 60 }, (_, i) =>
            sample(new Date(ago(now, 2).getTime() + i * 60_000), {}, { cpuPercent: 100 }),
          ),
        );
        // The seed's 80 %, which a quiet test process stays far below.
        const thresholds = { ...LENIENT, maxCpuPercent: 80 };
        const judged = await performanceOptimization(
          stepContextOf(node, { now: () => now, maintenance: { thresholds } }),
        );
        assert.ok(
          judged.findings.some((x) => x.severity === 'info' && x.message.startsWith('host CPU averaged 100 %')),
          JSON.stringify(judged.findings),
        );
        assert.ok(!judged.findings.some((x) => /add a node/.test(x.message)));
      }));

    it('reads slow statements from the store, or says why it cannot', () =>
      withStepNode(combo, async (node) => {
        await healthyWeek(node, now);
        {
          // Where the server has pg_stat_statements, plant a statement slower than the 100 ms limit.
          const available = (await node.rt.store.admin.slowQueries(1, 1)).available;
          if (available)
            await rawSql(
              node.config,
              Array.from({ length: 5 }, () => ({ sql: 'SELECT pg_sleep(0.12) AS planted_slow_statement' })),
            );
          const out = await performanceOptimization(stepContextOf(node, { now: () => now }));
          const sq = out.figures.slowQueries as SlowQueriesResult;
          if (combo.name.startsWith('SQLite')) assert.equal(sq.available, false);
          else if (available) {
            assert.ok(
              sq.rows.some((r) => r.query.includes('planted_slow_statement') && r.calls >= 5 && r.meanMs >= 100),
              JSON.stringify(sq.rows),
            );
            assert.ok(
              out.findings.some((x) => x.severity === 'warning' && x.message.includes('planted_slow_statement')),
            );
          } else assert.match(sq.reason ?? '', /^not available: .*pg_stat_statements/);
          assert.ok(
            out.findings.every((x) => x.severity !== 'error'),
            JSON.stringify(out.findings),
          );
        }
      }));

    it('warns, with nulls, when the week holds no samples', () =>
      withStepNode(combo, async (node) => {
        const out = await performanceOptimization(stepContextOf(node, { now: () => now }));
        assert.equal(out.status, 'warning');
        assert.ok(out.findings.some((x) => x.message.startsWith('no metric samples in the last 7 days')));
        assert.equal(out.figures.p95ResponseTimeMs, null);
        assert.equal(out.figures.cpuPercent, null);
      }));
  });
}

import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  performance,
  probeThroughput,
  ProbeUnreachableError,
  summariseSamples,
  type QueueMetrics,
  type RouteFigure,
} from '../../../src/maintenance/steps/performance/index.js';
import { COMBOS, freePort } from '../../support/harness.js';
import { LENIENT, sample, stepContextOf } from '../../support/maintenance.js';
import { openStepNode, queueWith, type StepNode } from '../../support/step-node.js';

const MINUTE = 60_000;

describe('summariseSamples', () => {
  it('weights by requests, leaves health routes out and sums nodes per minute for the peak', () => {
    const t = new Date('2025-03-10T01:00:00Z');
    const s = summariseSamples([
      sample(t, {
        'GET /api/queues/:queueId': { count: 300, avgMs: 10, p95Ms: 20 },
        'GET /health/live': { count: 90_000, avgMs: 0.2, p95Ms: 0.5 },
      }),
      sample(t, { 'GET /api/queues/:queueId': { count: 300, avgMs: 30, p95Ms: 60 } }, { nodeId: 'n2', cpuPercent: 40 }),
      sample(new Date(t.getTime() + MINUTE), {
        'POST /api/queues/:queueId/tickets': { count: 120, avgMs: 5, p95Ms: 8 },
      }),
    ]);
    assert.equal(s.requestsCounted, 720);
    assert.equal(s.requestsExcluded, 90_000);
    assert.equal(s.averageResponseTimeMs, Math.round(((300 * 10 + 300 * 30 + 120 * 5) / 720) * 100) / 100);
    assert.equal(s.p95ResponseTimeMs, Math.round(((300 * 20 + 300 * 60 + 120 * 8) / 720) * 100) / 100);
    assert.equal(s.worstSampleP95Ms, 60);
    assert.equal(s.observedPeakThroughput, 10); // 600 requests of two nodes in one minute
    assert.equal(s.observedPeakAt, t.toISOString());
    assert.equal(s.nodes, 2);
    assert.equal(s.cpuUsageAvg, Math.round(((20 + 40 + 20) / 3) * 100) / 100);
    assert.deepEqual(
      s.routes.map((r) => r.route),
      ['GET /api/queues/:queueId', 'POST /api/queues/:queueId/tickets'],
    );
  });

  it('gives nulls, not zeros, without samples', () => {
    const s = summariseSamples([]);
    assert.equal(s.averageResponseTimeMs, null);
    assert.equal(s.observedPeakThroughput, null);
    assert.equal(s.cpuUsageAvg, null);
  });
});

describe('probeThroughput', () => {
  let srv: http.Server;
  let url: string;
  before(async () => {
    srv = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}/health/live`;
  });
  after(() => new Promise<void>((r) => srv.close(() => r())));

  it('stops at the request cap and counts every answer', async () => {
    const r = await probeThroughput({
      url,
      durationMs: 60_000,
      maxRequests: 50,
      concurrency: 4,
      signal: new AbortController().signal,
    });
    assert.equal(r.stoppedBy, 'count');
    assert.equal(r.succeeded, 50);
    assert.equal(r.failed, 0);
    assert.ok(r.requestsPerSecond > 0);
  });

  it('refuses to measure a closed port', async () => {
    const port = await freePort();
    await assert.rejects(
      probeThroughput({
        url: `http://127.0.0.1:${port}/health/live`,
        durationMs: 100,
        signal: new AbortController().signal,
      }),
      ProbeUnreachableError,
    );
  });
});

for (const combo of COMBOS) {
  describe(`performance on ${combo.name}`, { skip: combo.skip }, () => {
    let node: StepNode;
    const now = new Date();
    before(async () => {
      node = await openStepNode(combo);
      await node.listen();
      await queueWith(node.rt, 3);
      const closed = await node.rt.service.createQueue({ name: 'closed', mode: 'waiting_room' });
      await node.rt.service.updateQueue(closed.id, { status: 'closed' });
      for (let i = 1; i <= 3; i++) {
        await node.rt.store.maintenance.insertSample(
          sample(new Date(now.getTime() - i * 10 * MINUTE), {
            'GET /api/queues/:queueId': { count: 600, avgMs: 10, p95Ms: 20 },
            'GET /health/live': { count: 40_000, avgMs: 0.3, p95Ms: 1 },
          }),
        );
      }
    });
    after(async () => {
      await node?.close();
    });

    it('measures every figure on a clean system', async () => {
      const out = await performance(stepContextOf(node, { now: () => now }));
      assert.equal(out.status, 'succeeded', JSON.stringify(out.findings));
      assert.equal(out.error, null);
      const f = out.figures as Record<string, unknown>;
      assert.equal(f.averageResponseTimeMs, 10);
      assert.equal(f.p95ResponseTimeMs, 20);
      assert.equal(f.observedPeakThroughput, 10);
      assert.equal(typeof f.throughput, 'number');
      assert.ok((f.throughput as number) > 0);
      const ru = f.resourceUtilization as Record<string, number | null>;
      for (const k of ['cpuUsage', 'memoryUsage', 'diskUsage'] as const)
        assert.ok(typeof ru[k] === 'number' && ru[k] >= 0 && ru[k] <= 100, `${k}=${ru[k]}`);
      assert.equal(ru.cpuUsageAvg24h, 20);
      assert.deepEqual(f.queueMetrics as QueueMetrics, {
        totalQueues: 2,
        activeQueues: 1,
        queuesWithWaiting: 1,
        totalUserSessions: 3,
        averageQueueLength: 1.5,
      });
      assert.deepEqual(f.slowRoutes, []);
    });

    it('lists a slow route from the samples', async () => {
      const at = new Date(now.getTime() - 5 * MINUTE);
      await node.rt.store.maintenance.insertSample(
        sample(at, { 'POST /api/queues/:queueId/tickets': { count: 40, avgMs: 900, p95Ms: 2500 } }),
      );
      const out = await performance(
        stepContextOf(node, { now: () => now, maintenance: { thresholds: { ...LENIENT, maxP95ResponseMs: 1000 } } }),
      );
      const slow = out.figures.slowRoutes as RouteFigure[];
      assert.deepEqual(
        slow.map((r) => [r.route, r.p95Ms, r.count]),
        [['POST /api/queues/:queueId/tickets', 2500, 40]],
      );
      assert.ok(
        out.findings.some((x) => x.severity === 'warning' && x.message.includes('POST /api/queues/:queueId/tickets')),
      );
      assert.equal(out.status, 'warning');
    });

    it('fails when measured values cross the thresholds', async () => {
      const thresholds = { ...LENIENT, maxAverageResponseMs: 5, minThroughput: 1e12, maxCpuPercent: 0 };
      const out = await performance(stepContextOf(node, { now: () => now, maintenance: { thresholds } }));
      assert.equal(out.status, 'failed');
      const errors = out.findings.filter((x) => x.severity === 'error').map((x) => x.message);
      assert.ok(
        errors.some((m) => m.startsWith('average response time')),
        errors.join('\n'),
      );
      assert.ok(
        errors.some((m) => m.startsWith('throughput')),
        errors.join('\n'),
      );
      assert.ok(
        errors.some((m) => m.startsWith("queuekeeper's CPU use now")),
        errors.join('\n'),
      );
      assert.match(out.error ?? '', /throughput/);
    });

    it('fails with the reason, not a number, when nothing listens: the throughput threshold went unchecked', async () => {
      const port = await freePort();
      const out = await performance(
        stepContextOf(node, { now: () => now, config: { baseUrl: `http://127.0.0.1:${port}` } }),
      );
      assert.equal(out.figures.throughput, null);
      assert.equal(out.figures.throughputProbe, null);
      assert.ok(
        out.findings.some(
          (x) =>
            x.severity === 'error' &&
            /throughput not measured, the server did not answer the probe: .*ECONNREFUSED.*could not be checked/.test(
              x.message,
            ),
        ),
        JSON.stringify(out.findings),
      );
      assert.equal(out.status, 'failed');
      assert.match(out.error ?? '', /throughput not measured/);
    });

    it('says so, with nulls, when the window holds no samples', async () => {
      const later = new Date(now.getTime() + 10 * 24 * 60 * MINUTE);
      const out = await performance(stepContextOf(node, { now: () => later }));
      for (const k of ['averageResponseTimeMs', 'p95ResponseTimeMs', 'observedPeakThroughput', 'samples'])
        assert.equal(out.figures[k], null, k);
      assert.equal((out.figures.resourceUtilization as Record<string, unknown>).cpuUsageAvg24h, null);
      assert.ok(out.findings.some((x) => x.severity === 'warning' && x.message.startsWith('no metric samples')));
      assert.equal(out.status, 'warning');
    });
  });
}

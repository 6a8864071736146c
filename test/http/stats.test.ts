import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { call, COMBOS, suiteNode } from '../support/harness.js';
import { createQueue, getTicket, join } from './helpers.js';

/**
 * The report routes and the estimate fields as clients receive them, through the response schemas
 * (the numbers themselves are checked on constructed data in test/domain/stats.test.ts).
 */
for (const combo of COMBOS) {
  describe(combo.name, { skip: combo.skip }, () => {
    const fixture = suiteNode(combo);

    test('a ticket shows the range it was quoted at join; the public queue, its coverage', async () => {
      const q = await createQueue(fixture.url, { settings: { averageServiceSeconds: 30, etaCoverageTarget: 0.9 } });
      assert.equal(q.settings.etaCoverageTarget, 0.9);
      const first = await join(fixture.url, q.id);
      const second = await join(fixture.url, q.id);
      assert.ok(second.eta && second.eta.lowSeconds < second.eta.highSeconds);
      const seen = await getTicket(fixture.url, second.id, second.token);
      assert.deepEqual(seen.body.etaAtJoin, second.eta);
      const called = await call(fixture.url, 'POST', `/api/queues/${q.id}/call-next`, { body: {} });
      assert.equal(called.body.id, first.id);
      assert.deepEqual(called.body.etaAtJoin, first.eta);
      const pub = await call(fixture.url, 'GET', `/api/queues/${q.id}`, { key: null });
      assert.equal(pub.body.etaCoverage, null);
      await call(fixture.url, 'POST', `/api/tickets/${first.id}/serve`);
      const metrics = String((await call(fixture.url, 'GET', '/metrics')).body);
      assert.match(metrics, new RegExp(`qk_ticket_wait_seconds_count\\{queue="${q.id}"\\} 1\\n`));
      assert.match(metrics, new RegExp(`qk_ticket_service_seconds_count\\{queue="${q.id}"\\} 1\\n`));
    });

    test('stats and stats.csv answer for operators only, and refuse a reversed range', async () => {
      const q = await createQueue(fixture.url);
      await join(fixture.url, q.id);
      const stats = await call(fixture.url, 'GET', `/api/queues/${q.id}/stats`);
      assert.equal(stats.status, 200, JSON.stringify(stats.body));
      assert.equal(stats.body.joined, 1);
      assert.deepEqual(stats.body.waitSeconds, { p50: null, p90: null });
      assert.deepEqual(stats.body.etaAccuracy, { samples: 0, coverage: null, medianAbsErrorSeconds: null });
      const now = Date.now();
      const span = `from=${new Date(now - 2 * 3_600_000).toISOString()}&to=${new Date(now + 60_000).toISOString()}`;
      const csv = await call(fixture.url, 'GET', `/api/queues/${q.id}/stats.csv?${span}`);
      assert.equal(csv.status, 200);
      assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
      const lines = String(csv.body).trimEnd().split('\n');
      // Three hours overlap the span, four when it reaches past the next hour.
      assert.ok(lines.length === 4 || lines.length === 5, lines.join('\n'));
      assert.ok(lines[0]!.startsWith('hour,joined,served'));
      assert.equal(
        lines.slice(1).reduce((n, l) => n + Number(l.split(',')[1]), 0),
        1,
      );
      const reversed = await call(
        fixture.url,
        'GET',
        `/api/queues/${q.id}/stats?from=2026-03-02T12:00:00Z&to=2026-03-02T10:00:00Z`,
      );
      assert.equal(reversed.status, 400);
      assert.equal(reversed.body.error.code, 'validation_failed');
      const badDate = await call(fixture.url, 'GET', `/api/queues/${q.id}/stats?from=yesterday`);
      assert.equal(badDate.status, 400);
      assert.equal((await call(fixture.url, 'GET', '/api/queues/nope/stats')).status, 404);
      assert.equal((await call(fixture.url, 'GET', `/api/queues/${q.id}/stats`, { key: null })).status, 401);
    });
  });
}

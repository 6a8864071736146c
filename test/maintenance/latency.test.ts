import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isUserLatency, PROBE_USER_AGENT } from '../../src/metrics/window.js';
import { call, COMBOS, startNode } from '../support/harness.js';

describe('what counts as user latency', () => {
  it('leaves out long-polls, event streams and the self-probe', () => {
    assert.equal(isUserLatency('GET', '/api/maintenance/runs/:id/wait'), false);
    assert.equal(isUserLatency('GET', '/api/tickets/:ticketId/events'), false);
    assert.equal(isUserLatency('GET', '/api/queues/:queueId/events'), false);
    assert.equal(isUserLatency('GET', '/api/queues/:queueId', 'curl', 'text/event-stream; charset=utf-8'), false);
    assert.equal(isUserLatency('GET', '/health/live', PROBE_USER_AGENT), false);
  });

  it('keeps every other request', () => {
    assert.equal(isUserLatency('GET', '/api/maintenance/runs/:id'), true);
    assert.equal(isUserLatency('POST', '/api/queues/:queueId/tickets', 'Mozilla/5.0', 'application/json'), true);
    assert.equal(isUserLatency('GET', '/health/live'), true);
  });
});

for (const combo of COMBOS) {
  describe(`latency samples on ${combo.name}`, { skip: combo.skip }, () => {
    it('hold user requests, not the CLI’s long-poll nor the self-probe', async () => {
      const iso = combo.isolate();
      const node = await startNode(iso.env);
      try {
        const run = await call(node.url, 'POST', '/api/maintenance/runs', { body: { step: 'performanceReview' } });
        assert.equal(run.status, 202);
        const id = (run.body as { id: string }).id;
        const waited = await call(node.url, 'GET', `/api/maintenance/runs/${id}/wait?timeoutSeconds=30`);
        assert.equal(waited.status, 200);
        const probe = await fetch(`${node.url}/health/live`, { headers: { 'user-agent': PROBE_USER_AGENT } });
        assert.equal(probe.status, 200);
        await call(node.url, 'GET', '/api/queues');
        const routes = Object.keys(node.rt.window.drain().routes);
        assert.ok(routes.includes('GET /api/queues'), routes.join(', '));
        assert.ok(routes.includes('POST /api/maintenance/runs'));
        assert.ok(!routes.includes('GET /api/maintenance/runs/:id/wait'), routes.join(', '));
        assert.ok(!routes.includes('GET /health/live'), 'the probe’s requests are not samples');
      } finally {
        await node.close();
        await iso.cleanup();
      }
    });
  });
}

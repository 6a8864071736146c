import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { outboxMetrics } from '../../src/metrics/outbox.js';

/** The outbox in /metrics: delivered and failed deliveries per channel, and how long delivery took. */
describe('outbox metrics', () => {
  test('count deliveries and final failures per channel, and time delivery from the commit', async () => {
    const registry = new Registry();
    const backlog = { pending: 4, failed: 1, oldestPendingSeconds: 12 };
    const m = outboxMetrics(registry, async () => backlog);
    const occurredAt = new Date('2026-06-01T10:00:00Z');
    const after = (s: number) => new Date(occurredAt.getTime() + s * 1000);
    m.attempted({ channel: 'webhook', ok: false, willRetry: true, latencyMs: 30, occurredAt, now: after(1) });
    m.attempted({ channel: 'webhook', ok: true, willRetry: false, latencyMs: 20, occurredAt, now: after(7) });
    m.attempted({ channel: 'email', ok: true, willRetry: false, latencyMs: 200, occurredAt, now: after(0.3) });
    m.attempted({ channel: 'email', ok: false, willRetry: false, latencyMs: 5, occurredAt, now: after(90_000) });
    const text = await registry.metrics();
    const value = (line: string) =>
      Number(new RegExp(`^${line.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
    assert.equal(value('qk_outbox_pending'), 4);
    assert.equal(value('qk_outbox_failed'), 1);
    assert.equal(value('qk_outbox_delivered_total{channel="webhook"}'), 1);
    assert.equal(value('qk_outbox_delivered_total{channel="email"}'), 1);
    assert.equal(value('qk_outbox_failed_total{channel="email"}'), 1);
    assert.equal(value('qk_webhook_attempts_total{outcome="retry"}'), 1);
    assert.equal(value('qk_outbox_delivery_seconds_count{channel="webhook"}'), 1);
    assert.equal(value('qk_outbox_delivery_seconds_sum{channel="webhook"}'), 7, 'retries included');
    assert.equal(value('qk_outbox_delivery_seconds_bucket{le="5",channel="webhook"}'), 0);
    assert.equal(value('qk_outbox_delivery_seconds_bucket{le="10",channel="webhook"}'), 1);
    assert.equal(value('qk_outbox_attempt_seconds_count{channel="webhook"}'), 2, 'every attempt is timed');
  });
});

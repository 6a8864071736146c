import { Counter, Gauge, type Registry } from 'prom-client';

interface Backlog {
  pending: number;
  failed: number;
  oldestPendingSeconds: number | null;
}

/**
 * The webhook outbox in /metrics: its depth and the age of its oldest undelivered event, read from
 * the database at each scrape (so every node reports the same, shared outbox), and this node's
 * delivery attempts by outcome.
 */
export function outboxMetrics(registry: Registry, backlog: () => Promise<Backlog>) {
  let last: Promise<Backlog | null> | null = null;
  // One read per scrape, shared by the three gauges. When the database does not answer, the gauges
  // keep their last values and the scrape still succeeds (readiness reports the outage).
  const read = () =>
    (last ??= backlog()
      .catch(() => null)
      .finally(() => setImmediate(() => (last = null))));
  new Gauge({
    name: 'qk_outbox_pending',
    help: 'Webhook and email deliveries not yet delivered',
    registers: [registry],
    async collect() {
      const b = await read();
      if (b) this.set(b.pending);
    },
  });
  new Gauge({
    name: 'qk_outbox_failed',
    help: 'Deliveries that ran out of retries (they can be sent again)',
    registers: [registry],
    async collect() {
      const b = await read();
      if (b) this.set(b.failed);
    },
  });
  new Gauge({
    name: 'qk_outbox_oldest_pending_seconds',
    help: 'Age of the oldest undelivered event (0 when none)',
    registers: [registry],
    async collect() {
      const b = await read();
      if (b) this.set(b.oldestPendingSeconds ?? 0);
    },
  });
  return new Counter({
    name: 'qk_webhook_attempts_total',
    help: 'Delivery attempts made by this node, by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
}

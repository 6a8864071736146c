import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Where a delivery goes: a registered webhook URL, or the customer's email. */
type OutboxChannel = 'webhook' | 'email';

/** One attempt as this node saw it. */
export interface OutboxAttempt {
  readonly channel: OutboxChannel;
  readonly ok: boolean;
  /** False when the attempt failed and no retry is left: the delivery is now failed. */
  readonly willRetry: boolean;
  /** How long the receiver (or the SMTP server) took to answer. */
  readonly latencyMs: number;
  /** When the event was committed with its change. */
  readonly occurredAt: Date;
  readonly now: Date;
}

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
  const attempts = new Counter({
    name: 'qk_webhook_attempts_total',
    help: 'Delivery attempts made by this node, by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const delivered = new Counter({
    name: 'qk_outbox_delivered_total',
    help: 'Deliveries this node completed, by channel',
    labelNames: ['channel'] as const,
    registers: [registry],
  });
  const failed = new Counter({
    name: 'qk_outbox_failed_total',
    help: 'Deliveries this node marked failed after their last retry, by channel',
    labelNames: ['channel'] as const,
    registers: [registry],
  });
  // From the commit of the event to its delivery: what a receiver waits, retries included.
  const delay = new Histogram({
    name: 'qk_outbox_delivery_seconds',
    help: 'Time from an event being committed to its delivery, by channel',
    labelNames: ['channel'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200, 86_400],
    registers: [registry],
  });
  const answer = new Histogram({
    name: 'qk_outbox_attempt_seconds',
    help: 'How long the receiver or SMTP server took to answer one attempt, by channel',
    labelNames: ['channel'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  return {
    attempted(a: OutboxAttempt): void {
      const channel = { channel: a.channel };
      attempts.inc({ outcome: a.ok ? 'delivered' : a.willRetry ? 'retry' : 'failed' });
      answer.observe(channel, a.latencyMs / 1000);
      if (a.ok) {
        delivered.inc(channel);
        delay.observe(channel, Math.max(0, a.now.getTime() - a.occurredAt.getTime()) / 1000);
      } else if (!a.willRetry) failed.inc(channel);
    },
  };
}

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The Prometheus metrics one node exposes at /metrics. */
export function createMetrics() {
  const registry = new Registry();
  // Default metrics include the event-loop lag percentiles (nodejs_eventloop_lag_p99_seconds).
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  const httpRequests = new Counter({
    name: 'qk_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'qk_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const queueDepth = new Gauge({
    name: 'qk_queue_waiting',
    help: 'Waiting tickets per queue',
    labelNames: ['queue'] as const,
    registers: [registry],
  });
  const joined = new Counter({
    name: 'qk_tickets_joined_total',
    help: 'Tickets joined',
    labelNames: ['queue'] as const,
    registers: [registry],
  });
  const served = new Counter({
    name: 'qk_tickets_served_total',
    help: 'Tickets served or admitted',
    labelNames: ['queue'] as const,
    registers: [registry],
  });
  const left = new Counter({
    name: 'qk_tickets_left_total',
    help: 'Tickets that left, expired or were no-shows',
    labelNames: ['queue', 'status'] as const,
    registers: [registry],
  });
  const indexRebuilds = new Counter({
    name: 'qk_live_index_rebuilds_total',
    help: 'Live index rebuilds after a wipe',
    registers: [registry],
  });
  // Waits run from seconds to hours: buckets from 10 s to 4 h.
  const waitBuckets = [10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400];
  const waitSeconds = new Histogram({
    name: 'qk_ticket_wait_seconds',
    help: 'Wait from join to call or admission',
    labelNames: ['queue'] as const,
    buckets: waitBuckets,
    registers: [registry],
  });
  const serviceSeconds = new Histogram({
    name: 'qk_ticket_service_seconds',
    help: 'Service time from call to served',
    labelNames: ['queue'] as const,
    buckets: waitBuckets,
    registers: [registry],
  });
  /**
   * Sets the per-queue depth from the queues that exist and drops every series of queues that do
   * not (deleted here or on another node), so the output does not grow with every queue ever made.
   */
  async function syncQueues(queues: readonly { id: string; waitingCount: number }[]): Promise<void> {
    const live = new Set<string>();
    queueDepth.reset();
    for (const q of queues) {
      live.add(q.id);
      queueDepth.set({ queue: q.id }, q.waitingCount);
    }
    for (const c of [joined, served, left, waitSeconds, serviceSeconds]) {
      const gone = new Map<string, Record<string, string>>();
      for (const v of (await c.get()).values) {
        if (live.has(String(v.labels.queue))) continue;
        // A histogram's values carry their bucket (`le`); the series is named without it.
        const { le: _bucket, ...labels } = v.labels as Record<string, string>;
        gone.set(JSON.stringify(labels), labels);
      }
      for (const labels of gone.values()) c.remove(labels);
    }
  }
  return {
    registry,
    httpRequests,
    httpDuration,
    queueDepth,
    joined,
    served,
    left,
    indexRebuilds,
    waitSeconds,
    serviceSeconds,
    syncQueues,
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

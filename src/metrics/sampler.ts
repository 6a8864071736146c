import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Logger } from '../logging/logger.js';
import type { MaintenanceStore } from '../store/maintenance-contract.js';
import { cpuPercent, memoryPercent, readCpu, round1, type CpuReading } from './resources.js';
import type { LatencyWindow } from './window.js';

/**
 * Writes one metrics sample a minute into the database: requests, latency summary, CPU, memory,
 * event-loop lag p99 and waiting totals. The performance and capacity steps read these back.
 */
export class Sampler {
  private timer: NodeJS.Timeout | undefined;
  private cpu: CpuReading = readCpu();
  private readonly lag: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });

  constructor(
    private readonly deps: {
      store: MaintenanceStore;
      window: LatencyWindow;
      nodeId: string;
      logger: Logger;
      waitingTotal: () => Promise<number>;
      now?: () => Date;
    },
    private readonly intervalMs = 60_000,
  ) {}

  start(): void {
    this.lag.enable();
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.lag.disable();
  }

  /** Takes and stores one sample now; exposed so tests and shutdown can flush. */
  async sample(): Promise<void> {
    try {
      const w = this.deps.window.drain();
      const cpuNow = readCpu();
      const cpu = cpuPercent(this.cpu, cpuNow);
      this.cpu = cpuNow;
      const lagP99 = this.lag.count > 0 ? round1(this.lag.percentile(99) / 1e6) : 0;
      this.lag.reset();
      await this.deps.store.insertSample({
        nodeId: this.deps.nodeId,
        at: this.deps.now?.() ?? new Date(),
        requests: w.requests,
        errors: w.errors,
        avgMs: w.avgMs,
        p95Ms: w.p95Ms,
        p99Ms: w.p99Ms,
        cpuPercent: cpu,
        memoryPercent: (await memoryPercent()).percent,
        eventLoopLagP99Ms: lagP99,
        waitingTotal: await this.deps.waitingTotal(),
        routes: w.routes,
      });
    } catch (e) {
      this.deps.logger.warn({ err: e }, 'metrics sample not stored');
    }
  }
}

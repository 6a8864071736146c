import type { Thresholds } from '../../../config/index.js';
import type { Queue } from '../../../domain/types.js';
import { diskPercent, measureCpu, memoryPercent } from '../../../metrics/resources.js';
import { statusFrom, type Step, type StepContext } from '../../step.js';
import type { Finding } from '../../types.js';
import { errorText, Parts } from '../shared/measure.js';
import { probeThroughput, ProbeUnreachableError, type ProbeResult } from './probe.js';
import { METHOD, summariseSamples, type SampleFigures } from './samples.js';

export { summariseSamples, type SampleFigures } from './samples.js';
export { RouteTimes, type RouteFigure } from './route-times.js';
export { probeThroughput, ProbeUnreachableError, type ProbeResult } from './probe.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** A 24 h average of fewer one-minute samples than this is reported, not judged. */
const MIN_AVERAGE_MINUTES = 60;

export interface QueueMetrics {
  readonly totalQueues: number;
  /** Queues with status `open` (accepting joins). */
  readonly activeQueues: number;
  readonly queuesWithWaiting: number;
  /** Tickets waiting right now: a ticket is a "user session" in the figures (src/domain/types.ts). */
  readonly totalUserSessions: number;
  /** totalUserSessions / totalQueues; null without queues. */
  readonly averageQueueLength: number | null;
}

/**
 * Daily step: the last 24 h of metric samples (latency, observed load, CPU and memory), resources
 * and queue sizes now, and a short self-probe for the throughput the node sustains. A figure that
 * cannot be measured is null with a finding saying why; the thresholds (docs/maintenance.md) are checked
 * only against measured values.
 */
export const performance: Step = async (ctx) => {
  const findings: Finding[] = [];
  const th = ctx.config.maintenance.thresholds;
  const to = ctx.now();
  const window = { from: new Date(to.getTime() - DAY_MS).toISOString(), to: to.toISOString() };

  const [samples, queueMetrics] = await Promise.all([
    readSamples(ctx, new Date(window.from), to, findings),
    readQueues(ctx, findings),
  ]);
  const resourceUtilization = await readResources(ctx, samples, findings);
  const probe = await runProbe(ctx, findings);

  const avg = samples?.averageResponseTimeMs ?? null;
  if (avg !== null && avg >= th.maxAverageResponseMs)
    findings.push({
      severity: 'error',
      message: `average response time ${avg} ms over 24 h; must stay below ${th.maxAverageResponseMs} ms`,
    });
  if (probe !== null && probe.requestsPerSecond <= th.minThroughput)
    findings.push({
      severity: 'error',
      message: `throughput ${probe.requestsPerSecond} req/s on ${probe.url}; must exceed ${th.minThroughput} req/s`,
    });
  judgeResources(resourceUtilization, samples, th, findings);
  const slowRoutes = (samples?.routes ?? []).filter((r) => r.p95Ms > th.maxP95ResponseMs);
  for (const r of slowRoutes)
    findings.push({
      severity: 'warning',
      message: `${r.route}: p95 ${r.p95Ms} ms over ${r.count} requests in 24 h (slowest minute ${r.worstP95Ms} ms), above ${th.maxP95ResponseMs} ms`,
    });

  return {
    status: statusFrom(findings),
    figures: {
      window,
      averageResponseTimeMs: avg,
      p95ResponseTimeMs: samples?.p95ResponseTimeMs ?? null,
      throughput: probe?.requestsPerSecond ?? null,
      observedPeakThroughput: samples?.observedPeakThroughput ?? null,
      resourceUtilization,
      queueMetrics,
      slowRoutes,
      samples: samples === null ? null : sampleSummary(samples),
      throughputProbe: probe,
      method: METHOD,
    },
    findings,
    error: errorSummary(findings),
  };
};

function errorSummary(findings: readonly Finding[]): string | null {
  const errors = findings.filter((f) => f.severity === 'error' || f.severity === 'critical').map((f) => f.message);
  return errors.length === 0 ? null : errors.join('; ');
}

/** The sample figures without the per-route list, which `slowRoutes` already reports. */
function sampleSummary({ routes, ...rest }: SampleFigures): Record<string, unknown> {
  return { ...rest, routeCount: routes.length };
}

async function readSamples(ctx: StepContext, from: Date, to: Date, findings: Finding[]): Promise<SampleFigures | null> {
  try {
    const s = summariseSamples(await ctx.store.maintenance.samplesSince(from, to));
    if (s.sampleCount === 0)
      findings.push({
        severity: 'warning',
        message:
          'no metric samples in the last 24 h (was the server running?): response times, observed peak and 24 h averages not measured',
      });
    else if (s.requestsCounted === 0)
      findings.push({
        severity: 'info',
        message: `metric samples: ${s.sampleCount}, but no requests outside health and metrics routes in 24 h: response times not measured`,
      });
    return s.sampleCount === 0 ? null : s;
  } catch (e) {
    findings.push({ severity: 'error', message: `metric samples could not be read: ${errorText(e)}` });
    return null;
  }
}

async function readQueues(ctx: StepContext, findings: Finding[]): Promise<QueueMetrics | null> {
  let queues: Queue[];
  try {
    queues = await ctx.store.listQueues();
  } catch (e) {
    findings.push({ severity: 'error', message: `queues could not be read: ${errorText(e)}` });
    return null;
  }
  const totalUserSessions = queues.reduce((n, q) => n + q.waitingCount, 0);
  return {
    totalQueues: queues.length,
    activeQueues: queues.filter((q) => q.status === 'open').length,
    queuesWithWaiting: queues.filter((q) => q.waitingCount > 0).length,
    totalUserSessions,
    averageQueueLength: queues.length === 0 ? null : Math.round((totalUserSessions / queues.length) * 100) / 100,
  };
}

/** CPU is read before the probe, so the probe's own load does not count as the node's. */
async function readResources(ctx: StepContext, samples: SampleFigures | null, findings: Finding[]) {
  const parts = new Parts(ctx.signal, findings);
  const cpu = await parts.read('CPU use', () => measureCpu(500));
  const memoryUsage = await parts.read('memory use', async () => (await memoryPercent()).percent);
  const disk = await parts.read(`disk use of ${ctx.config.dataDir}`, () => diskPercent(ctx.config.dataDir));
  return {
    cpuUsage: cpu?.host ?? null,
    processCpuUsage: cpu?.process ?? null,
    cpuUsageAvg24h: samples?.cpuUsageAvg ?? null,
    memoryUsage,
    memoryUsageAvg24h: samples?.memoryUsageAvg ?? null,
    diskUsage: disk?.percent ?? null,
    disk,
    /** How many one-minute samples the 24 h averages rest on. */
    averagesBasis: samples === null ? null : { samples: samples.sampleCount, minutesCovered: samples.minutesCovered },
  };
}

type Resources = Awaited<ReturnType<typeof readResources>>;

/**
 * The thresholds are judged on what queuekeeper can act on: its own CPU (one core = 100), not the
 * host's, which a neighbour on a shared machine fills; the host's is reported beside it. A 24 h
 * average is judged only once it rests on an hour of samples (docs/maintenance.md).
 */
function judgeResources(r: Resources, samples: SampleFigures | null, th: Thresholds, findings: Finding[]): void {
  const over = (v: number | null): v is number => v !== null && v >= th.maxCpuPercent;
  if (over(r.processCpuUsage))
    findings.push({
      severity: 'error',
      message: `queuekeeper's CPU use now ${r.processCpuUsage} % of one core (host ${r.cpuUsage ?? 'not measured'} %); must stay below ${th.maxCpuPercent} %`,
    });
  else if (over(r.cpuUsage))
    findings.push({
      severity: 'info',
      message: `host CPU use now ${r.cpuUsage} %, of which queuekeeper ${r.processCpuUsage ?? 'not measured'} % of one core: the load is not queuekeeper's`,
    });
  if (r.memoryUsage !== null && r.memoryUsage >= th.maxMemoryPercent)
    findings.push({
      severity: 'error',
      message: `memory use ${r.memoryUsage} %; must stay below ${th.maxMemoryPercent} %`,
    });
  if (r.diskUsage !== null && r.diskUsage >= th.maxDiskPercent)
    findings.push({
      severity: 'warning',
      message: `disk use of the data folder ${r.diskUsage} % (used / (used + available), as df reports); must stay below ${th.maxDiskPercent} %`,
    });
  if (samples === null) return;
  const basis = `${samples.sampleCount} samples over ${samples.minutesCovered} minutes`;
  if (samples.minutesCovered < MIN_AVERAGE_MINUTES) {
    findings.push({
      severity: 'info',
      message: `24 h averages rest on ${basis}: not judged below ${MIN_AVERAGE_MINUTES} minutes`,
    });
    return;
  }
  const averages: [string, number | null, number][] = [
    ['host CPU use (24 h average)', r.cpuUsageAvg24h, th.maxCpuPercent],
    ['memory use (24 h average)', r.memoryUsageAvg24h, th.maxMemoryPercent],
  ];
  for (const [what, value, max] of averages)
    if (value !== null && value >= max)
      findings.push({ severity: 'warning', message: `${what} ${value} % over ${basis}; should stay below ${max} %` });
}

/**
 * The throughput threshold is a pass condition: a probe that measured nothing leaves it unchecked,
 * so the step fails and says why, as healthCheck does for the same unreachable server. A figure
 * read from history (samples) may be missing with a warning; this one is measured now or not at all.
 */
async function runProbe(ctx: StepContext, findings: Finding[]): Promise<ProbeResult | null> {
  const url = `${ctx.config.baseUrl.replace(/\/+$/, '')}/health/live`;
  const unchecked = (why: string): null => {
    findings.push({
      severity: 'error',
      message: `throughput not measured, ${why}: the throughput threshold (above ${ctx.config.maintenance.thresholds.minThroughput} req/s) could not be checked`,
    });
    return null;
  };
  if (ctx.signal.aborted) return unchecked('the probe did not start because the step was stopped');
  try {
    const r = await probeThroughput({ url, durationMs: ctx.config.maintenance.probeMs, signal: ctx.signal });
    if (r.failed > 0)
      findings.push({
        severity: 'warning',
        message: `throughput probe: ${r.failed} of ${r.succeeded + r.failed} requests failed`,
      });
    if (r.stoppedBy === 'abort' || r.stoppedBy === 'failures' || r.succeeded === 0)
      return unchecked(`the probe stopped early (${r.stoppedBy}) after ${r.succeeded} answers`);
    return r;
  } catch (e) {
    const why = e instanceof ProbeUnreachableError ? e.message : `GET ${url}: ${errorText(e)}`;
    return unchecked(`the server did not answer the probe: ${why}`);
  }
}

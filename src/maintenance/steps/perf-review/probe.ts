import type { StepContext } from '../../step.js';
import type { Finding } from '../../types.js';
import { errorText } from '../shared/measure.js';
import { probeThroughput, ProbeUnreachableError, type ProbeResult } from '../performance/index.js';

/**
 * The daily performance step's self-probe (GET /health/live for `probeMs`), run the same way, with
 * the same rule: a probe that could not measure gives null and a warning saying why, never a number.
 */
export async function selfProbe(ctx: StepContext, label: string, findings: Finding[]): Promise<ProbeResult | null> {
  const url = `${ctx.config.baseUrl.replace(/\/+$/, '')}/health/live`;
  if (ctx.signal.aborted) {
    findings.push({ severity: 'warning', message: `${label}: throughput probe skipped: the step was stopped` });
    return null;
  }
  try {
    const r = await probeThroughput({ url, durationMs: ctx.config.maintenance.probeMs, signal: ctx.signal });
    if (r.stoppedBy === 'abort' || r.stoppedBy === 'failures' || r.succeeded === 0) {
      findings.push({
        severity: 'warning',
        message: `${label}: throughput probe stopped early (${r.stoppedBy}) after ${r.succeeded} answers: throughput not measured`,
      });
      return null;
    }
    return r;
  } catch (e) {
    const why = e instanceof ProbeUnreachableError ? e.message : `GET ${url}: ${errorText(e)}`;
    findings.push({
      severity: 'warning',
      message: `${label}: throughput probe skipped, the server did not answer: ${why}`,
    });
    return null;
  }
}

/** What a report needs of a probe: the rate and enough to judge it. */
export const probeFigure = (r: ProbeResult | null) =>
  r === null
    ? null
    : {
        requestsPerSecond: r.requestsPerSecond,
        succeeded: r.succeeded,
        failed: r.failed,
        durationMs: r.durationMs,
        concurrency: r.concurrency,
        url: r.url,
      };

import { randomBytes } from 'node:crypto';
import type { StepOutcome } from '../../../src/maintenance/step.js';
import type { RunDocument } from '../../../src/maintenance/types.js';
import type { MetricSample } from '../../../src/store/maintenance-contract.js';
import { joinRequest } from '../../support/join-request.js';
import type { StepNode } from '../../support/step-node.js';

const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** `days` (and `hours`) before `now`. */
export const ago = (now: Date, days: number, hours = 0): Date => new Date(now.getTime() - days * DAY - hours * HOUR);

/** Midnight UTC of `now`'s day. */
export const utcDay = (now: Date): Date => new Date(Math.floor(now.getTime() / DAY) * DAY);

export async function insertAll(node: StepNode, samples: readonly MetricSample[]): Promise<void> {
  for (const s of samples) await node.rt.store.maintenance.insertSample(s);
}

/** Joins `n` tickets to a queue at a past time, through the store (the service's clock is now). */
export async function joinAt(node: StepNode, queueId: string, n: number, at: Date): Promise<void> {
  const requests = Array.from({ length: n }, () => joinRequest({ tokenHash: randomBytes(16).toString('hex') }));
  await node.rt.store.joinMany(queueId, requests, at);
}

/** A run document holding one step result, as the engine stores it. */
export function runWith(name: string, out: StepOutcome): RunDocument {
  const t = new Date().toISOString();
  return {
    id: 'run-test',
    plan: 'monthly',
    trigger: 'manual',
    scheduledFor: null,
    startedAt: t,
    endedAt: t,
    durationMs: 1,
    status: out.status === 'failed' ? 'failed' : 'succeeded',
    success: out.status !== 'failed',
    measuredNothing: out.status === 'skipped',
    steps: [
      {
        name,
        status: out.status,
        durationMs: 1,
        figures: out.figures,
        findings: out.findings,
        error: out.error ?? null,
      },
    ],
  };
}

/** The chart the HTML report embeds (as a data: image), decoded back to its SVG text. */
export function embeddedSvg(html: string): string | null {
  const m = /<img alt="chart" src="data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)">/.exec(html);
  return m ? Buffer.from(m[1] as string, 'base64').toString('utf8') : null;
}

/** Least squares by the textbook formulas, to check the step's numbers independently. */
export function leastSquares(points: readonly (readonly [number, number])[]): { m: number; b: number; r2: number } {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  const sxy = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
  const sxx = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  const m = sxy / sxx;
  const b = my - m * mx;
  const sst = points.reduce((s, p) => s + (p[1] - my) ** 2, 0);
  const sse = points.reduce((s, p) => s + (p[1] - (b + m * p[0])) ** 2, 0);
  return { m, b, r2: 1 - sse / sst };
}

import type { StepContext } from '../../step.js';

/** Where the count starts when no earlier cacheCleanup measured one. */
const FIRST_WINDOW_MS = 24 * 3_600_000;
/** Recent runs searched for the previous window's end; runs are a handful a day. */
const RUNS_SEARCHED = 50;

export interface ExpiredCount {
  readonly count: number;
  readonly window: { readonly from: string; readonly to: string };
}

/**
 * Tickets the expiry sweeper moved to `expired` since the previous cacheCleanup counted them.
 * Each window starts where the previous one ended (read from that run's figures, whatever the
 * step's status), so consecutive counts neither overlap nor leave a gap; the first one looks back
 * 24 h. The count comes from the database, so it includes what every node's sweeper expired.
 */
export async function countExpiredSincePrevious(ctx: StepContext): Promise<ExpiredCount> {
  const to = ctx.now();
  const from = (await previousWindowEnd(ctx)) ?? new Date(to.getTime() - FIRST_WINDOW_MS);
  const count = from < to ? await ctx.store.maintenance.countExpired(from, to) : 0;
  return { count, window: { from: from.toISOString(), to: to.toISOString() } };
}

async function previousWindowEnd(ctx: StepContext): Promise<Date | null> {
  const { items } = await ctx.store.maintenance.listRuns({ limit: RUNS_SEARCHED });
  for (const run of items) {
    if (run.id === ctx.runId) continue;
    for (const step of run.steps) {
      const end = (step.figures.ticketsExpiredWindow as { to?: unknown } | undefined)?.to;
      if (step.name === 'cacheCleanup' && typeof end === 'string' && !Number.isNaN(Date.parse(end)))
        return new Date(end);
    }
  }
  return null;
}

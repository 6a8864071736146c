import { join } from 'node:path';
import type { Priority } from '../../config/index.js';
import type { TicketRecord } from '../../domain/types.js';
import { AppError } from '../../errors/index.js';
import { DeadlineExceeded, pause, within } from '../../resilience/index.js';
import { createAlerter, type AlertSender } from '../alerts/index.js';
import type { StepServices } from '../step.js';
import type { RunDocument } from '../types.js';
import { ExpirySweeper } from './expiry.js';
import { RunQueue } from './queue.js';
import { resolveTarget } from './registry.js';
import type { EngineParts, RunnerDeps } from './runner.js';
import { Scheduler } from './scheduler.js';
import { databaseDown, RunSpool } from './spool.js';
import { cronOf, nextSlot } from './slots.js';

export { type StepRegistry } from './registry.js';
export { EXPIRY_SWEEP_MS, ExpirySweeper } from './expiry.js';
export { TICK_MS } from './scheduler.js';
export { cronOf, nextSlot } from './slots.js';

export interface MaintenanceDeps extends EngineParts {
  readonly services?: StepServices;
  readonly now?: () => Date;
  /** How long `stop()` lets the current run finish before abandoning it. Default 10 s. */
  readonly stopGraceMs?: number;
  /** Replaces the webhook sender built from `config.maintenance.alertWebhooks`. */
  readonly alerts?: AlertSender;
  /**
   * Expires waiting tickets past their queue's TTL (the queue service's `expireWaiting`). Swept
   * every `expirySweepMs` (default 5 s) while a scheduler node runs; absent, nothing expires.
   */
  readonly expireTickets?: () => Promise<readonly TicketRecord[]>;
  readonly expirySweepMs?: number;
}

/** One plan as `GET /api/maintenance/schedule` lists it. Times are ISO 8601 or null. */
export interface ScheduleEntry {
  readonly name: string;
  readonly cron: string | null;
  readonly timezone: string;
  readonly enabled: boolean;
  readonly priority: Priority;
  readonly steps: readonly string[];
  readonly lastRun: string | null;
  readonly nextRun: string | null;
}

export interface Maintenance {
  /** Marks dead nodes' runs interrupted, then (scheduler on) catches up and starts ticking. */
  start(): Promise<void>;
  /**
   * Stops ticking, lets the current run finish (or abandons it after the grace), sends pending
   * alerts. Final: a stopped instance refuses new runs and cannot start again.
   */
  stop(): Promise<void>;
  schedule(): Promise<ScheduleEntry[]>;
  /** Queues a plan or a single step; resolves with the run id once the run is stored as running. */
  runNow(target: string, trigger?: 'manual'): Promise<string>;
  runAndWait(target: string): Promise<RunDocument>;
  /**
   * Resolves with the run's document once it is no longer running, or with its current (`running`)
   * document when `timeoutMs` passes first. Unknown id: `not_found`.
   */
  waitFor(runId: string, timeoutMs?: number): Promise<RunDocument>;
  /**
   * A run's document from the database; while the database cannot be reached, from this node
   * (a run queued or running here, or one kept in its spool). Null when no such run is known.
   */
  getRun(runId: string): Promise<RunDocument | null>;
}

const POLL_MS = 200;
const ALERT_FLUSH_MS = 15_000;

export function createMaintenance(deps: MaintenanceDeps): Maintenance {
  const now = deps.now ?? (() => new Date());
  const logger = deps.logger.child({ component: 'maintenance', nodeId: deps.nodeId });
  const alerts = deps.alerts ?? createAlerter({ webhooks: deps.config.maintenance.alertWebhooks, logger });
  const runner: RunnerDeps = {
    config: deps.config,
    store: deps.store,
    live: deps.live,
    logger,
    nodeId: deps.nodeId,
    steps: deps.steps,
    services: deps.services ?? {},
    alerts,
    spool: new RunSpool(join(deps.config.dataDir, 'spool', 'maintenance')),
    now,
  };
  const queue = new RunQueue(runner);
  const scheduler = new Scheduler(runner, queue);
  const plans = deps.config.maintenance.plans;
  const sweeper =
    deps.expireTickets && deps.config.scheduler
      ? new ExpirySweeper(deps.expireTickets, logger, deps.expirySweepMs)
      : null;
  let stopped = false;

  async function getRun(runId: string): Promise<RunDocument | null> {
    try {
      return await deps.store.maintenance.getRun(runId);
    } catch (e) {
      if (databaseDown(e) === null) throw e;
      const here = queue.queued(runId) ?? (await runner.spool.get(runId));
      if (here) return here;
      throw e;
    }
  }

  async function waitFor(runId: string, timeoutMs = 24 * 3_600_000): Promise<RunDocument> {
    const deadline = Date.now() + timeoutMs;
    const local = queue.completion(runId);
    if (local) {
      const doc = await within(local, timeoutMs).catch((e: unknown) => {
        if (e instanceof DeadlineExceeded) return null;
        throw e;
      });
      if (doc) return doc;
    }
    // Another node's run: the store is the only shared truth, so poll it.
    for (;;) {
      const doc = await getRun(runId);
      if (!doc) throw new AppError('not_found', `maintenance run ${runId} not found`);
      if (doc.status !== 'running') return doc;
      if (Date.now() >= deadline) return doc;
      await pause(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
    }
  }

  async function runNow(target: string, trigger: 'manual' = 'manual'): Promise<string> {
    return queue.submit(resolveTarget(plans, deps.steps, target), trigger, null);
  }

  return {
    async start() {
      // A stopped queue refuses runs, so a restarted scheduler would claim slots nobody runs.
      if (stopped) throw new Error('maintenance was stopped; create a new instance to start again');
      await scheduler.start();
      sweeper?.start();
    },
    async stop() {
      stopped = true;
      await sweeper?.stop();
      await scheduler.stop();
      await queue.stop(deps.stopGraceMs ?? 10_000);
      await alerts.flush(ALERT_FLUSH_MS);
    },
    async schedule() {
      const at = now();
      return Promise.all(
        plans.map(async (p): Promise<ScheduleEntry> => {
          const last = (await deps.store.maintenance.listRuns({ plan: p.name, limit: 1 })).items[0];
          const cron = p.enabled ? cronOf(p) : null;
          return {
            name: p.name,
            cron: p.cron,
            timezone: p.timezone,
            enabled: p.enabled,
            priority: p.priority,
            steps: p.steps,
            lastRun: last?.startedAt ?? null,
            nextRun: cron ? (nextSlot(cron, at)?.toISOString() ?? null) : null,
          };
        }),
      );
    },
    runNow,
    getRun,
    async runAndWait(target) {
      return waitFor(await runNow(target));
    },
    waitFor,
  };
}

import type { Cron } from 'croner';
import type { PlanDefinition } from '../../config/index.js';
import type { ScheduledTask } from '../../store/maintenance-contract.js';
import { newRunId, plannedSteps, PRIORITY_RANK } from './registry.js';
import type { RunQueue } from './queue.js';
import { SUPERSEDED, unreachedSteps, type RunnerDeps } from './runner.js';
import { cronOf, dueSlots, nextSlot } from './slots.js';
import { databaseDown } from './spool.js';

/** How often due slots are looked for; the database claim, not this timer, makes a slot run once. */
export const TICK_MS = 250;
/** A slot claimed within this much of its time is an ordinary scheduled run, not a catch-up. */
const FRESH_MS = 5000;
/** Missed slots recorded per plan after an outage; older ones are dropped. */
const MISSED_KEPT = 100;

interface Entry {
  readonly plan: PlanDefinition;
  readonly cron: Cron;
  /** Every slot at or before this instant has been dealt with by this node. */
  cursor: Date;
  task: ScheduledTask;
}

/**
 * Claims due slots in the shared database and hands the winners to the node's run queue. A node
 * with `scheduler: false` only marks dead nodes' runs interrupted and never claims a slot.
 */
export class Scheduler {
  private readonly entries: Entry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private lastSweep = 0;

  constructor(
    private readonly deps: RunnerDeps,
    private readonly queue: RunQueue,
  ) {}

  async start(): Promise<void> {
    await this.housekeeping(this.deps.now());
    if (this.deps.config.scheduler) await this.load();
    // The first tick is the catch-up: it finds what was missed while every node was down.
    await this.tick();
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
  }

  private async load(): Promise<void> {
    const m = this.deps.store.maintenance;
    const now = this.deps.now();
    const known = new Map((await m.listScheduledTasks()).map((t) => [t.name, t]));
    this.entries.length = 0;
    for (const plan of this.deps.config.maintenance.plans) {
      const cron = cronOf(plan);
      if (!cron || !plan.enabled) continue;
      const before = known.get(plan.name);
      // A plan that was off, or on another schedule, has no missed slots to make up for.
      const fresh = !before || !before.enabled || before.schedule !== plan.cron || before.timezone !== plan.timezone;
      const anchor = fresh ? now : ((await m.lastSlot(plan.name)) ?? before.createdAt);
      const last = (await m.listRuns({ plan: plan.name, limit: 1 })).items[0];
      const task: ScheduledTask = {
        name: plan.name,
        type: 'plan',
        schedule: plan.cron,
        timezone: plan.timezone,
        priority: plan.priority,
        enabled: plan.enabled,
        createdAt: before?.createdAt ?? now,
        lastRun: last ? new Date(last.startedAt) : null,
        nextRun: nextSlot(cron, now),
      };
      this.entries.push({ plan, cron, cursor: anchor, task });
    }
    this.entries.sort((a, b) => PRIORITY_RANK[a.plan.priority] - PRIORITY_RANK[b.plan.priority]);
    const disabled = this.deps.config.maintenance.plans.filter((p) => !p.enabled || p.cron === null);
    await m.saveScheduledTasks([
      ...this.entries.map((e) => e.task),
      ...disabled.map((p) => this.idleTask(p, known.get(p.name), now)),
    ]);
  }

  private idleTask(plan: PlanDefinition, before: ScheduledTask | undefined, now: Date): ScheduledTask {
    const { name, cron: schedule, timezone, priority, enabled } = plan;
    return {
      name,
      type: 'plan',
      schedule,
      timezone,
      priority,
      enabled,
      createdAt: before?.createdAt ?? now,
      lastRun: before?.lastRun ?? null,
      nextRun: null,
    };
  }

  private tick(): Promise<void> {
    // Ticks never overlap: a slow database delays the next one instead of doubling the claims.
    this.ticking ??= this.tickOnce()
      .catch((e: unknown) => this.deps.logger.error({ err: e }, 'maintenance scheduler tick failed'))
      .finally(() => (this.ticking = null));
    return this.ticking;
  }

  private async tickOnce(): Promise<void> {
    const now = this.deps.now();
    if (Math.abs(now.getTime() - this.lastSweep) >= this.deps.config.maintenance.heartbeatMs)
      // A database that is away must not stop the slots below: they are what runs offline.
      await this.housekeeping(now).catch((e: unknown) =>
        this.deps.logger.warn({ err: e }, 'maintenance housekeeping failed; the next tick tries again'),
      );
    // Entries are sorted by priority, so when several plans are due the high ones queue first.
    for (const entry of this.entries) {
      try {
        await this.handle(entry, now);
        entry.cursor = now;
      } catch (e) {
        // The cursor stays, so the same slots are tried again on the next tick.
        this.deps.logger.error({ err: e, plan: entry.plan.name }, 'could not claim a maintenance slot');
      }
    }
  }

  private async handle(entry: Entry, now: Date): Promise<void> {
    const slots = dueSlots(entry.cron, entry.cursor, now, MISSED_KEPT + 1);
    const newest = slots.pop();
    if (!newest) return;
    try {
      await this.claim(entry, slots, newest, now);
    } catch (e) {
      const reason = databaseDown(e);
      if (reason === null) throw e;
      await this.runOffline(entry, newest, now, reason);
    }
  }

  /**
   * No database, so no claim: this node runs the slot on its own (the health check only, which
   * reports the outage and alerts) and spools the run. Every scheduler node cut off from the
   * database does so; the first to store its run once the database is back holds the slot's claim.
   */
  private async runOffline(entry: Entry, slot: Date, now: Date, reason: string): Promise<void> {
    const { plan } = entry;
    const late = now.getTime() - slot.getTime();
    const log = { plan: plan.name, slot: slot.toISOString(), reason };
    if (late > FRESH_MS && late > this.deps.config.maintenance.catchUpDeadlineMs) {
      this.deps.logger.warn(log, 'maintenance slot missed while the database was away: too late to run');
      return;
    }
    if (this.queue.has(plan.name)) return;
    this.deps.logger.error(log, 'maintenance slot cannot be claimed: the database is away; running it here');
    const target = { plan: plan.name, steps: plan.steps, priority: plan.priority };
    await this.queue.submit(target, late > FRESH_MS ? 'catch_up' : 'schedule', slot);
  }

  private async claim(entry: Entry, slots: Date[], newest: Date, now: Date): Promise<void> {
    const { plan } = entry;
    const m = this.deps.store.maintenance;
    const { nodeId } = this.deps;
    for (const slot of slots) await m.claimSlot(plan.name, slot, 'missed', null, nodeId, now);
    const late = now.getTime() - newest.getTime();
    if (late > FRESH_MS && late > this.deps.config.maintenance.catchUpDeadlineMs) {
      if (await m.claimSlot(plan.name, newest, 'missed', null, nodeId, now))
        this.deps.logger.warn(
          { plan: plan.name, slot: newest.toISOString() },
          'maintenance slot missed: too late to catch up',
        );
      return;
    }
    if (this.queue.has(plan.name) || (await m.runningRun(plan.name))) {
      if (await m.claimSlot(plan.name, newest, 'skipped_overlap', null, nodeId, now))
        this.deps.logger.warn(
          { plan: plan.name, slot: newest.toISOString() },
          'maintenance slot skipped: the previous run is still going',
        );
      return;
    }
    const id = newRunId();
    if (!(await m.claimSlot(plan.name, newest, 'run', id, nodeId, now))) return;
    const target = { plan: plan.name, steps: plan.steps, priority: plan.priority };
    await this.queue.submit(target, late > FRESH_MS ? 'catch_up' : 'schedule', newest, id);
    entry.task = { ...entry.task, lastRun: now, nextRun: nextSlot(entry.cron, now) };
    await m.saveScheduledTasks([entry.task]);
  }

  /** Stores the runs spooled during an outage, then marks dead nodes' runs interrupted. */
  private async housekeeping(now: Date): Promise<void> {
    this.lastSweep = now.getTime();
    // Spooled runs first: their final documents must land before stale runs are declared interrupted.
    const replayed = await this.deps.spool.replay(
      this.deps.store.maintenance,
      now,
      (runId, e) =>
        this.deps.logger.error({ err: e, runId }, 'a spooled maintenance run was refused by the database; kept aside'),
      (runId) => this.deps.logger.warn({ runId }, SUPERSEDED),
    );
    if (replayed > 0)
      this.deps.logger.warn({ replayed }, 'maintenance runs kept while the database was away are now stored');
    await this.sweep(now);
  }

  private async sweep(now: Date): Promise<void> {
    const before = new Date(now.getTime() - 3 * this.deps.config.maintenance.heartbeatMs);
    const ids = await this.deps.store.maintenance.interruptStale(before, now, (run) =>
      unreachedSteps(run, plannedSteps(this.deps.config.maintenance.plans, run.plan)),
    );
    if (ids.length > 0)
      this.deps.logger.error({ runIds: ids }, 'maintenance runs of a stopped node marked interrupted');
  }
}

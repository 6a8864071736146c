import type { RunDocument, StepResult } from './run-document.js';

export interface ScheduledTask {
  readonly name: string;
  readonly type: 'plan';
  readonly schedule: string | null;
  readonly timezone: string;
  readonly priority: 'high' | 'medium' | 'low';
  readonly enabled: boolean;
  readonly createdAt: Date;
  readonly lastRun: Date | null;
  readonly nextRun: Date | null;
}

/** What happened to one (plan, slot): it ran, or it was skipped and why. */
export type SlotOutcome = 'run' | 'skipped_overlap' | 'missed';

export interface MetricSample {
  readonly nodeId: string;
  readonly at: Date;
  readonly requests: number;
  readonly errors: number;
  readonly avgMs: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly cpuPercent: number;
  readonly memoryPercent: number;
  readonly eventLoopLagP99Ms: number;
  readonly waitingTotal: number;
  /** Per-route request counts and latency summaries: { "<METHOD> <route>": {count, avgMs, p95Ms} }. */
  readonly routes: Record<string, { count: number; avgMs: number; p95Ms: number }>;
}

export interface DailyAggregate {
  readonly day: string;
  readonly queueId: string;
  readonly joined: number;
  readonly served: number;
  readonly noShow: number;
  readonly left: number;
  readonly expired: number;
  readonly admitted: number;
  readonly avgWaitSeconds: number | null;
  readonly avgServiceSeconds: number | null;
}

/** Storage of the maintenance engine: scheduled tasks, slot claims, runs and metric samples. */
export interface MaintenanceStore {
  saveScheduledTasks(tasks: readonly ScheduledTask[]): Promise<void>;
  listScheduledTasks(): Promise<ScheduledTask[]>;
  /**
   * Claims one (plan, slot) for the whole cluster. Resolves true for exactly one caller, ever; a
   * unique key in the database decides, not a timer.
   */
  claimSlot(
    plan: string,
    slot: Date,
    outcome: SlotOutcome,
    runId: string | null,
    nodeId: string,
    now: Date,
  ): Promise<boolean>;
  listSlots(
    plan: string,
    since: Date,
  ): Promise<{ slot: Date; outcome: SlotOutcome; runId: string | null; nodeId: string }[]>;
  /** The newest slot of a plan that was claimed in any way, to know what a restart missed. */
  lastSlot(plan: string): Promise<Date | null>;

  insertRun(run: RunDocument, nodeId: string, now: Date): Promise<void>;
  /** Stores a running run's progress; a run another node declared `interrupted` keeps that status. */
  updateRun(run: RunDocument): Promise<void>;
  /**
   * Stores a run's final document, written by the node that ran it. It replaces an `interrupted`
   * verdict too (`superseded`): that verdict only says the node's heartbeat stopped reaching the
   * database, and the node's own result is what happened. `missing` when no such run is stored.
   */
  finishRun(run: RunDocument): Promise<'stored' | 'superseded' | 'missing'>;
  heartbeat(runId: string, now: Date): Promise<void>;
  getRun(id: string): Promise<RunDocument | null>;
  listRuns(opts: {
    plan?: string;
    limit: number;
    cursor?: string;
  }): Promise<{ items: RunDocument[]; nextCursor: string | null }>;
  /**
   * Runs still `running` whose heartbeat is older than `before`; marks them `interrupted`, with
   * the step results `unreached` gives for the steps the dead node never reported appended.
   */
  interruptStale(before: Date, now: Date, unreached: (run: RunDocument) => readonly StepResult[]): Promise<string[]>;
  runningRun(plan: string): Promise<RunDocument | null>;
  deleteRunsBefore(before: Date): Promise<number>;

  insertSample(sample: MetricSample): Promise<void>;
  samplesSince(since: Date, until?: Date): Promise<MetricSample[]>;
  deleteSamplesBefore(before: Date): Promise<number>;

  dailyAggregates(since: string): Promise<DailyAggregate[]>;
  /** Tickets that became `expired` in (from, to], counted from the tickets still stored. */
  countExpired(from: Date, to: Date): Promise<number>;
}

import type { Kysely } from 'kysely';
import { parseRunDocument, type RunDocument, type StepResult } from '../run-document.js';
import type {
  DailyAggregate,
  MaintenanceStore,
  MetricSample,
  ScheduledTask,
  SlotOutcome,
} from '../maintenance-contract.js';
import { CURSOR_PARTS, decodeCursor, encodeCursor } from './rows.js';
import type { DB } from './schema.js';
import { AppError } from '../../errors/index.js';

const ms = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));
const date = (v: number | null): Date | null => (v === null ? null : new Date(Number(v)));

/** Scheduled tasks, slot claims, runs and samples, the same on both engines. */
export class KyselyMaintenanceStore implements MaintenanceStore {
  constructor(private readonly db: Kysely<DB>) {}

  async saveScheduledTasks(tasks: readonly ScheduledTask[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const t of tasks) {
        const row = {
          name: t.name,
          type: t.type,
          schedule: t.schedule,
          timezone: t.timezone,
          priority: t.priority,
          enabled: t.enabled ? 1 : 0,
          created_at: t.createdAt.getTime(),
          last_run: t.lastRun?.getTime() ?? null,
          next_run: t.nextRun?.getTime() ?? null,
        };
        // createdAt is kept from the first save: it says when the task was first scheduled.
        const { created_at: _keep, ...update } = row;
        await trx
          .insertInto('scheduled_tasks')
          .values(row)
          .onConflict((oc) => oc.column('name').doUpdateSet(update))
          .execute();
      }
    });
  }

  async listScheduledTasks(): Promise<ScheduledTask[]> {
    const rows = await this.db.selectFrom('scheduled_tasks').selectAll().orderBy('name').execute();
    return rows.map((r) => ({
      name: r.name,
      type: 'plan',
      schedule: r.schedule,
      timezone: r.timezone,
      priority: r.priority as ScheduledTask['priority'],
      enabled: Number(r.enabled) === 1,
      createdAt: new Date(Number(r.created_at)),
      lastRun: date(r.last_run),
      nextRun: date(r.next_run),
    }));
  }

  async claimSlot(
    plan: string,
    slot: Date,
    outcome: SlotOutcome,
    runId: string | null,
    nodeId: string,
    now: Date,
  ): Promise<boolean> {
    const r = await this.db
      .insertInto('maintenance_slots')
      .values({ plan, slot: slot.getTime(), outcome, run_id: runId, node_id: nodeId, claimed_at: now.getTime() })
      .onConflict((oc) => oc.columns(['plan', 'slot']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async listSlots(plan: string, since: Date) {
    const rows = await this.db
      .selectFrom('maintenance_slots')
      .selectAll()
      .where('plan', '=', plan)
      .where('slot', '>=', since.getTime())
      .orderBy('slot')
      .execute();
    return rows.map((r) => ({
      slot: new Date(Number(r.slot)),
      outcome: r.outcome as SlotOutcome,
      runId: r.run_id,
      nodeId: r.node_id,
    }));
  }

  async lastSlot(plan: string): Promise<Date | null> {
    const r = await this.db
      .selectFrom('maintenance_slots')
      .select((eb) => eb.fn.max('slot').as('m'))
      .where('plan', '=', plan)
      .executeTakeFirst();
    return r?.m === null || r?.m === undefined ? null : new Date(Number(r.m));
  }

  async insertRun(run: RunDocument, nodeId: string, now: Date): Promise<void> {
    await this.db
      .insertInto('maintenance_runs')
      .values({ ...this.columns(run), node_id: nodeId, heartbeat_at: now.getTime() })
      .execute();
  }

  async updateRun(run: RunDocument): Promise<void> {
    // Progress never turns an interrupted run back into a running one; only the final document
    // (finishRun) replaces that verdict.
    await this.db
      .updateTable('maintenance_runs')
      .set(this.columns(run))
      .where('id', '=', run.id)
      .where('status', '!=', 'interrupted')
      .execute();
  }

  async finishRun(run: RunDocument): Promise<'stored' | 'superseded' | 'missing'> {
    const before = await this.db
      .selectFrom('maintenance_runs')
      .select('status')
      .where('id', '=', run.id)
      .executeTakeFirst();
    if (!before) return 'missing';
    await this.db.updateTable('maintenance_runs').set(this.columns(run)).where('id', '=', run.id).execute();
    return before.status === 'interrupted' ? 'superseded' : 'stored';
  }

  async heartbeat(runId: string, now: Date): Promise<void> {
    await this.db
      .updateTable('maintenance_runs')
      .set({ heartbeat_at: now.getTime() })
      .where('id', '=', runId)
      .execute();
  }

  async getRun(id: string): Promise<RunDocument | null> {
    const r = await this.db.selectFrom('maintenance_runs').select('document').where('id', '=', id).executeTakeFirst();
    return r ? parseRunDocument(r.document) : null;
  }

  async listRuns(opts: { plan?: string; limit: number; cursor?: string }) {
    let q = this.db.selectFrom('maintenance_runs').select(['id', 'started_at', 'document']);
    if (opts.plan !== undefined) q = q.where('plan', '=', opts.plan);
    if (opts.cursor !== undefined) {
      const c = decodeCursor(opts.cursor, [CURSOR_PARTS.count, CURSOR_PARTS.id]);
      if (!c) throw new AppError('validation_failed', 'cursor is not one this server issued');
      const [started, id] = c as [number, string];
      q = q.where((eb) =>
        eb.or([eb('started_at', '<', started), eb.and([eb('started_at', '=', started), eb('id', '<', id)])]),
      );
    }
    const rows = await q
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(opts.limit + 1)
      .execute();
    const last = rows.length > opts.limit ? rows[opts.limit - 1] : undefined;
    return {
      items: rows.slice(0, opts.limit).map((r) => parseRunDocument(r.document)),
      nextCursor: last ? encodeCursor([Number(last.started_at), last.id]) : null,
    };
  }

  async interruptStale(
    before: Date,
    now: Date,
    unreached: (run: RunDocument) => readonly StepResult[],
  ): Promise<string[]> {
    const stale = await this.db
      .selectFrom('maintenance_runs')
      .select(['id', 'document', 'started_at'])
      .where('status', '=', 'running')
      .where('heartbeat_at', '<', before.getTime())
      .execute();
    for (const s of stale) {
      const doc = parseRunDocument(s.document);
      const ended = now.toISOString();
      const steps = [...doc.steps, ...unreached(doc)];
      const next: RunDocument = {
        ...doc,
        steps,
        status: 'interrupted',
        success: false,
        measuredNothing: steps.every((x) => x.status === 'skipped'),
        endedAt: ended,
        durationMs: now.getTime() - Number(s.started_at),
      };
      await this.db
        .updateTable('maintenance_runs')
        .set(this.columns(next))
        .where('id', '=', s.id)
        .where('status', '=', 'running')
        .execute();
    }
    return stale.map((s) => s.id);
  }

  async runningRun(plan: string): Promise<RunDocument | null> {
    const r = await this.db
      .selectFrom('maintenance_runs')
      .select('document')
      .where('plan', '=', plan)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return r ? parseRunDocument(r.document) : null;
  }

  async deleteRunsBefore(before: Date): Promise<number> {
    const r = await this.db
      .deleteFrom('maintenance_runs')
      .where('started_at', '<', before.getTime())
      .where('status', '!=', 'running')
      .executeTakeFirst();
    await this.db.deleteFrom('maintenance_slots').where('slot', '<', before.getTime()).execute();
    return Number(r.numDeletedRows);
  }

  async insertSample(s: MetricSample): Promise<void> {
    await this.db
      .insertInto('metric_samples')
      .values({
        node_id: s.nodeId,
        at: s.at.getTime(),
        requests: s.requests,
        errors: s.errors,
        avg_ms: s.avgMs,
        p95_ms: s.p95Ms,
        p99_ms: s.p99Ms,
        cpu_percent: s.cpuPercent,
        memory_percent: s.memoryPercent,
        loop_lag_p99_ms: s.eventLoopLagP99Ms,
        waiting_total: s.waitingTotal,
        routes: JSON.stringify(s.routes),
      })
      .execute();
  }

  async samplesSince(since: Date, until?: Date): Promise<MetricSample[]> {
    let q = this.db.selectFrom('metric_samples').selectAll().where('at', '>=', since.getTime());
    if (until) q = q.where('at', '<', until.getTime());
    const rows = await q.orderBy('at').execute();
    return rows.map((r) => ({
      nodeId: r.node_id,
      at: new Date(Number(r.at)),
      requests: Number(r.requests),
      errors: Number(r.errors),
      avgMs: r.avg_ms === null ? null : Number(r.avg_ms),
      p95Ms: r.p95_ms === null ? null : Number(r.p95_ms),
      p99Ms: r.p99_ms === null ? null : Number(r.p99_ms),
      cpuPercent: Number(r.cpu_percent),
      memoryPercent: Number(r.memory_percent),
      eventLoopLagP99Ms: Number(r.loop_lag_p99_ms),
      waitingTotal: Number(r.waiting_total),
      routes: JSON.parse(r.routes) as MetricSample['routes'],
    }));
  }

  async deleteSamplesBefore(before: Date): Promise<number> {
    const r = await this.db.deleteFrom('metric_samples').where('at', '<', before.getTime()).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async countExpired(from: Date, to: Date): Promise<number> {
    const r = await this.db
      .selectFrom('tickets')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'expired')
      .where('ended_at', '>', from.getTime())
      .where('ended_at', '<=', to.getTime())
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async dailyAggregates(since: string): Promise<DailyAggregate[]> {
    const rows = await this.db
      .selectFrom('daily_aggregates')
      .selectAll()
      .where('day', '>=', since)
      .orderBy('day')
      .orderBy('queue_id')
      .execute();
    return rows.map((r) => ({
      day: r.day,
      queueId: r.queue_id,
      joined: Number(r.joined),
      served: Number(r.served),
      noShow: Number(r.no_show),
      left: Number(r.left_count),
      expired: Number(r.expired),
      admitted: Number(r.admitted),
      avgWaitSeconds: Number(r.wait_count) > 0 ? Number(r.wait_seconds_sum) / Number(r.wait_count) : null,
      avgServiceSeconds: Number(r.service_count) > 0 ? Number(r.service_seconds_sum) / Number(r.service_count) : null,
    }));
  }

  private columns(run: RunDocument) {
    return {
      id: run.id,
      plan: run.plan,
      trigger: run.trigger,
      scheduled_for: ms(run.scheduledFor),
      started_at: Date.parse(run.startedAt),
      ended_at: ms(run.endedAt),
      status: run.status,
      success: run.success ? 1 : 0,
      document: JSON.stringify(run),
    };
  }
}

import { performance } from 'node:perf_hooks';
import type { Config } from '../../config/index.js';
import type { LiveBackend } from '../../live/contract.js';
import type { Logger } from '../../logging/logger.js';
import { DeadlineExceeded, within } from '../../resilience/index.js';
import type { Store } from '../../store/contract.js';
import type { AlertSender } from '../alerts/index.js';
import type { StepContext, StepOutcome, StepServices } from '../step.js';
import type { RunDocument, RunTrigger, StepResult, StepStatus } from '../types.js';
import { unavailableReason, type RunTarget, type StepRegistry } from './registry.js';
import { databaseDown, type RunSpool } from './spool.js';

/** The parts of a node its maintenance engine works with, and hands on to every run. */
export interface EngineParts {
  readonly config: Config;
  readonly store: Store;
  readonly live: LiveBackend;
  readonly logger: Logger;
  readonly nodeId: string;
  readonly steps: StepRegistry;
}

/** Everything a run needs from its node. */
export interface RunnerDeps extends EngineParts {
  readonly services: StepServices;
  readonly alerts: AlertSender;
  /** Where documents the database could not take wait for it (see `RunSpool`). */
  readonly spool: RunSpool;
  now(): Date;
}

const STOPPING = 'not run: maintenance stopped on this node';
/** The step a node runs even when its database is away: it is what reports the outage. */
const OUTAGE_STEP = 'healthCheck';
/** Logged when a run's own result replaces another node's `interrupted` verdict. */
export const SUPERSEDED =
  'another node had marked this run interrupted (its heartbeat stopped reaching the database); its real result replaces that';
const STATUSES: ReadonlySet<string> = new Set<StepStatus>(['succeeded', 'failed', 'warning', 'skipped']);

export function newRunDocument(
  id: string,
  target: RunTarget,
  trigger: RunTrigger,
  scheduledFor: Date | null,
  now: Date,
): RunDocument {
  return {
    id,
    plan: target.plan,
    trigger,
    scheduledFor: scheduledFor?.toISOString() ?? null,
    startedAt: now.toISOString(),
    endedAt: null,
    durationMs: null,
    status: 'running',
    success: false,
    measuredNothing: false,
    steps: [],
  };
}

/**
 * The steps of a plan that a dead node's run never reported, for the node that marks it
 * `interrupted`: the first was under way when the node stopped (or about to start), the others
 * were never reached. All are `skipped`: nothing of them was measured.
 */
export function unreachedSteps(run: RunDocument, planned: readonly string[]): StepResult[] {
  const reported = new Set(run.steps.map((s) => s.name));
  return planned
    .filter((name) => !reported.has(name))
    .map((name, i) =>
      skipped(
        name,
        i === 0
          ? 'not finished: the node running this run stopped (its heartbeat ended) before this step reported a result'
          : 'not run: the node running this run stopped before reaching this step',
      ),
    );
}

/** The document of a run that never got to start its steps (the node stopped first). */
export function abandonedDocument(doc: RunDocument, target: RunTarget, now: Date): RunDocument {
  const steps = target.steps.map((name) => skipped(name, STOPPING));
  return {
    ...doc,
    status: 'interrupted',
    success: false,
    measuredNothing: true,
    endedAt: now.toISOString(),
    durationMs: 0,
    steps,
  };
}

/**
 * Runs the steps of a run that is already stored as `running`, in order, and stores the final
 * document. Step failures, exceptions and timeouts end up in the document, never as a rejection.
 * `abandon` aborts the current step and skips the rest (the node is stopping).
 *
 * `offline` is set when the database could not record the run's start: then only the health check
 * runs (added first when the plan lacks it), since it is what reports the outage, the other steps
 * say why they were skipped, and the document goes to the local spool until the database is back.
 */
export async function executeRun(
  deps: RunnerDeps,
  inserted: RunDocument,
  target: RunTarget,
  abandon: AbortSignal,
  offline: string | null = null,
): Promise<RunDocument> {
  const log = deps.logger.child({ runId: inserted.id, plan: target.plan });
  const started = performance.now();
  const doc: RunDocument = { ...inserted, startedAt: deps.now().toISOString() };
  const steps: StepResult[] = [];
  const names = offline !== null && !target.steps.includes(OUTAGE_STEP) ? [OUTAGE_STEP, ...target.steps] : target.steps;
  for (const name of names) {
    if (abandon.aborted) {
      steps.push(skipped(name, STOPPING));
      continue;
    }
    if (offline !== null && name !== OUTAGE_STEP) {
      steps.push(skipped(name, `not run: the database could not be reached when the run started: ${offline}`));
      continue;
    }
    const result = await runStep(deps, doc, name, abandon);
    if (result.status === 'failed') log.error({ step: name, error: result.error }, 'maintenance step failed');
    steps.push(result);
    // Progress is stored as it happens: a reader sees finished steps, and if this node dies the
    // interrupted document still holds what was measured.
    if (offline === null)
      await deps.store.maintenance
        .updateRun({ ...doc, steps: [...steps] })
        .catch((e: unknown) => log.warn({ err: e }, 'could not store maintenance progress'));
  }
  const success = !steps.some((s) => s.status === 'failed');
  // `success` and `status` keep the contract's rule (no step failed); `measuredNothing` tells a run
  // that measured nothing from one that measured everything and found it fine.
  const measuredNothing = steps.every((s) => s.status === 'skipped');
  const final: RunDocument = {
    ...doc,
    steps,
    success,
    measuredNothing,
    status: abandon.aborted ? 'interrupted' : !success ? 'failed' : 'succeeded',
    endedAt: deps.now().toISOString(),
    durationMs: Math.round(performance.now() - started),
  };
  await storeFinal(deps, final, offline !== null);
  if (final.status === 'succeeded' && !measuredNothing)
    log.info({ durationMs: final.durationMs }, 'maintenance run succeeded');
  else if (final.status === 'succeeded') {
    log.warn({ skipped: steps.map((s) => `${s.name}: ${s.error}`) }, 'maintenance run measured nothing');
    deps.alerts.runFailed(final, deps.nodeId);
  } else {
    log.error(
      { status: final.status, failed: steps.filter((s) => s.status === 'failed').map((s) => s.name) },
      'maintenance run did not succeed',
    );
    deps.alerts.runFailed(final, deps.nodeId);
  }
  return final;
}

/**
 * Stores a run's final document; when the database cannot be reached (or never recorded the run),
 * keeps it in the spool instead, so that the run is recorded once the database answers.
 */
export async function storeFinal(deps: RunnerDeps, doc: RunDocument, offline: boolean): Promise<void> {
  const log = deps.logger.child({ runId: doc.id, plan: doc.plan });
  if (!offline) {
    try {
      const outcome = await deps.store.maintenance.finishRun(doc);
      if (outcome === 'superseded') log.warn(SUPERSEDED);
      // Deleted by retention while it ran: nothing left to update, and a run that old is history.
      if (outcome === 'missing') log.error('the run is no longer stored; its result is only in this log');
      return;
    } catch (e) {
      if (databaseDown(e) === null) {
        // The heartbeat stops with this run, so another node will mark it interrupted: nothing is lost silently.
        log.error({ err: e }, 'could not store the result of a maintenance run');
        return;
      }
    }
  }
  try {
    await deps.spool.put({ doc, nodeId: deps.nodeId });
    log.warn('database unreachable: the run is kept in the local spool until it answers');
  } catch (e) {
    log.error({ err: e }, 'could not store the result of a maintenance run, nor spool it');
  }
}

async function runStep(deps: RunnerDeps, run: RunDocument, name: string, abandon: AbortSignal): Promise<StepResult> {
  const step = deps.steps.get(name);
  if (!step) return skipped(name, unavailableReason(name));
  const timeoutMs = deps.config.maintenance.stepTimeoutMs;
  const controller = new AbortController();
  const ctx: StepContext = {
    config: deps.config,
    store: deps.store,
    live: deps.live,
    logger: deps.logger.child({ runId: run.id, plan: run.plan, step: name }),
    nodeId: deps.nodeId,
    runId: run.id,
    plan: run.plan,
    signal: controller.signal,
    now: deps.now,
    services: deps.services,
  };
  const started = performance.now();
  const work = Promise.resolve()
    .then(() => step(ctx))
    .then(normalize, (e: unknown) => failure(e instanceof Error ? e.message : String(e)));
  // A step that ignores its signal keeps running in the background; the run moves on regardless.
  const outcome = await within(work, timeoutMs, abandon).catch((e: unknown) => {
    const reason =
      e instanceof DeadlineExceeded ? `timed out after ${timeoutMs} ms` : 'abandoned: maintenance stopped on this node';
    controller.abort(new Error(reason));
    return failure(reason);
  });
  return {
    name,
    status: outcome.status,
    durationMs: Math.round(performance.now() - started),
    figures: outcome.figures,
    findings: outcome.findings,
    error: outcome.error ?? null,
  };
}

/** Steps are our code, but a wrong shape must not turn into a stored lie or a crash. */
function normalize(o: unknown): StepOutcome {
  if (typeof o !== 'object' || o === null) return failure('step returned no outcome');
  const { status, figures, findings, error } = o as Partial<StepOutcome>;
  if (typeof status !== 'string' || !STATUSES.has(status))
    return failure(`step returned an unknown status: ${String(status)}`);
  const list = Array.isArray(findings) ? findings : [];
  const reason = typeof error === 'string' && error !== '' ? error : null;
  const firstProblem = list.find((f) => f.severity === 'error' || f.severity === 'critical')?.message;
  return {
    status,
    figures: typeof figures === 'object' && figures !== null ? figures : {},
    findings: list,
    // A failure always says why, so the report never shows a bare "failed".
    error: status === 'failed' ? (reason ?? firstProblem ?? 'the step reported a failure without a reason') : reason,
  };
}

function failure(error: string): StepOutcome {
  return { status: 'failed', figures: {}, findings: [], error };
}

function skipped(name: string, error: string): StepResult {
  return { name, status: 'skipped', durationMs: 0, figures: {}, findings: [], error };
}

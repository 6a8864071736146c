import { loadConfig, type Config } from '../../config/index.js';
import { AppError, EXIT, isAppError } from '../../errors/index.js';
import { openLive } from '../../live/open.js';
import { createLogger } from '../../logging/logger.js';
import { createMaintenance } from '../../maintenance/engine/index.js';
import { renderHtml, renderMarkdown } from '../../maintenance/report/index.js';
import { builtInSteps } from '../../maintenance/steps/index.js';
import type { RunDocument } from '../../maintenance/types.js';
import { createRuntime } from '../../runtime/runtime.js';
import { openStore } from '../../store/open.js';
import type { Store } from '../../store/contract.js';
import { emit, progress, UsageError } from '../output.js';
import { onServerElseHere, serverRequest } from '../server-client.js';

/** Opens just the store and the engine: enough to read schedules and history. */
async function withEngine<T>(
  fn: (config: Config, store: Store, engine: ReturnType<typeof createMaintenance>) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  const logger = createLogger({ level: 'silent' });
  const store = openStore(config.database);
  const live = await openLive(config, logger).catch(async (e: unknown) => {
    await store.close();
    throw e;
  });
  try {
    await store.migrate();
    const engine = createMaintenance({ config, store, live, logger, nodeId: 'cli', steps: builtInSteps() });
    return await fn(config, store, engine);
  } finally {
    await live.close();
    await store.close();
  }
}

const summary = (run: RunDocument): string =>
  [
    `${run.plan} ${run.id}: ${run.status}${run.durationMs !== null ? ` in ${run.durationMs} ms` : ''}${run.measuredNothing && run.status === 'succeeded' ? ' (measured nothing: every step was skipped)' : ''}`,
    ...run.steps.map(
      (s) =>
        `  ${s.status.padEnd(9)} ${s.name} (${s.durationMs} ms)${s.error ? `: ${s.error}` : ''}${s.findings.length ? `\n${s.findings.map((f) => `      ${f.severity}: ${f.message}`).join('\n')}` : ''}`,
    ),
  ].join('\n');

/**
 * `maintenance run <plan|step>`: the running server runs it (so steps see its live state) and the
 * CLI waits; when no server answers, it runs here against the configured database.
 */
export async function maintenanceRun(target: string, opts: { json: boolean; key?: string }): Promise<void> {
  const config = loadConfig();
  const follow = async ({ id }: { id: string }): Promise<RunDocument> => {
    progress(opts.json, `started ${target} on the server as ${id}; waiting…`);
    for (;;) {
      const r = await serverRequest<RunDocument>(
        config,
        'GET',
        `/api/maintenance/runs/${id}/wait?timeoutSeconds=60`,
        undefined,
        opts.key,
      );
      if (r.kind !== 'ok') throw new AppError('unavailable', `lost the server while waiting for run ${id}`);
      if (r.body.status !== 'running') return r.body;
    }
  };
  const here = async (): Promise<RunDocument> => {
    const rt = await createRuntime(
      { ...config, scheduler: false },
      {
        logger: createLogger({
          level: config.logLevel === 'info' ? 'warn' : config.logLevel,
          logDir: config.logDir,
          stdout: false,
        }),
      },
    );
    try {
      return await rt.maintenance.runAndWait(target);
    } finally {
      await rt.close();
    }
  };
  const run = await onServerElseHere({
    config,
    ...(opts.key ? { key: opts.key } : {}),
    what: `run ${target}`,
    start: { method: 'POST', path: '/api/maintenance/runs', body: { plan: target } },
    follow,
    here,
  }).catch((e: unknown) => {
    // Whether the server or this process resolved the name, an unknown plan or step is a typo.
    if (isAppError(e) && e.code === 'not_found') throw new UsageError(e.message, 'not_found');
    throw e;
  });
  emit(opts.json, run, () => summary(run));
  process.exitCode = run.success ? EXIT.ok : EXIT.failed;
}

export async function maintenanceSchedule(json: boolean): Promise<void> {
  await withEngine(async (_c, _s, engine) => {
    const items = await engine.schedule();
    emit(json, { items, nextCursor: null }, () =>
      items
        .map(
          (p) =>
            `${p.name.padEnd(12)} ${(p.cron ?? 'on demand').padEnd(18)} ${p.enabled ? 'enabled ' : 'disabled'} ${p.priority.padEnd(6)} next ${p.nextRun ?? '-'} last ${p.lastRun ?? '-'}`,
        )
        .join('\n'),
    );
  });
}

export async function maintenanceHistory(opts: { json: boolean; limit: string; plan?: string }): Promise<void> {
  const limit = Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200)
    throw new UsageError('--limit must be a whole number from 1 to 200');
  await withEngine(async (_c, store) => {
    const page = await store.maintenance.listRuns({ limit, ...(opts.plan ? { plan: opts.plan } : {}) });
    emit(
      opts.json,
      page,
      () =>
        page.items.map((r) => `${r.startedAt}  ${r.plan.padEnd(12)} ${r.status.padEnd(11)} ${r.id}`).join('\n') ||
        'No runs yet.',
    );
  });
}

export async function maintenanceShow(id: string, opts: { json: boolean; format?: string }): Promise<void> {
  const format = opts.format ?? (opts.json ? 'json' : 'md');
  if (!['json', 'md', 'html'].includes(format)) throw new UsageError('--format must be json, md or html');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new UsageError('a run id is 1-64 characters from A-Z a-z 0-9 _ -');
  await withEngine(async (_c, store) => {
    const run = await store.maintenance.getRun(id);
    if (!run) throw new UsageError(`no run ${id}`, 'not_found');
    if (format === 'json') emit(true, run, () => '');
    else process.stdout.write(`${format === 'html' ? renderHtml(run) : renderMarkdown(run)}\n`);
  });
}

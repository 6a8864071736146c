import type { Command } from 'commander';
import {
  createBackup,
  describeBackup,
  isBackupId,
  listBackups,
  pruneBackups,
  restoreBackup,
  verifyBackup,
  type BackupListItem,
  type Verification,
} from '../../backup/index.js';
import { loadConfig } from '../../config/index.js';
import { AppError, EXIT } from '../../errors/index.js';
import { createLogger } from '../../logging/logger.js';
import { emit, progress, UsageError, type Run } from '../output.js';
import { onServerElseHere, serverRequest } from '../server-client.js';

const POLL_MS = 500;

function checkId(id: string): void {
  if (!isBackupId(id)) throw new UsageError('a backup id is 1-64 characters from A-Z a-z 0-9 _ -');
}

const verdict = (v: Verification): string =>
  [
    `${v.id ?? '(none)'}: ${v.status}${v.reason ? ` (${v.reason})` : ''}`,
    ...v.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(14)} ${c.detail}`),
  ].join('\n');

/**
 * `backup create`: the running server makes it (its live index is the one worth snapshotting);
 * with no server, this process does it against the configured database and live backend.
 */
async function backupCreate(opts: { json: boolean; key?: string }): Promise<void> {
  const config = loadConfig();
  const follow = async ({ id }: { id: string }): Promise<unknown> => {
    progress(opts.json, `the server is creating backup ${id}…`);
    for (;;) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      const r = await serverRequest<{ state?: string; error?: string | null }>(
        config,
        'GET',
        `/api/backups/${id}`,
        undefined,
        opts.key,
      );
      if (r.kind === 'error') throw r.error;
      if (r.kind === 'no_server')
        throw new AppError('unavailable', `lost the server while backup ${id} was being created`);
      if (r.body.state === 'failed')
        throw new AppError('internal', `backup ${id} failed on the server: ${r.body.error ?? 'unknown error'}`);
      if (r.body.state !== 'creating') return r.body;
    }
  };
  const here = async (): Promise<unknown> => {
    // Loaded only here: list, verify and restore need no node, and start faster without one.
    const { createRuntime } = await import('../../runtime/runtime.js');
    const rt = await createRuntime({ ...config, scheduler: false }, { logger: createLogger({ level: 'silent' }) });
    try {
      const created = await createBackup({
        config,
        store: rt.store,
        live: rt.live,
        progress: (l) => progress(opts.json, l),
      });
      return { state: 'complete', ...(await describeBackup(config, created.id, new Date())) };
    } finally {
      await rt.close();
    }
  };
  const summary = await onServerElseHere({
    config,
    ...(opts.key ? { key: opts.key } : {}),
    what: 'create the backup',
    start: { method: 'POST', path: '/api/backups' },
    follow,
    here,
  });
  const s = summary as Partial<BackupListItem> & { id: string };
  emit(
    opts.json,
    summary,
    () =>
      `Created backup ${s.id}${s.sizeBytes !== undefined ? ` (${s.sizeBytes} bytes${s.encrypted ? ', encrypted' : ''})` : ''}.`,
  );
}

async function backupList(json: boolean): Promise<void> {
  const page = await listBackups(loadConfig(), { limit: 1000 });
  emit(
    json,
    page,
    () =>
      page.items
        .map(
          (b) =>
            `${b.id}  ${b.createdAt ?? '?'}  ${String(b.sizeBytes).padStart(12)} B  ${b.lastVerification?.status ?? 'unverified'}${b.stale ? ' (stale)' : ''}${b.manifestProblem ? `  ${b.manifestProblem}` : ''}`,
        )
        .join('\n') || 'No backups yet.',
  );
}

async function backupVerify(id: string | undefined, json: boolean): Promise<void> {
  if (id !== undefined) checkId(id);
  const v = await verifyBackup(loadConfig(), id, { progress: (l) => progress(json, l) });
  emit(json, v, () => verdict(v));
  process.exitCode = v.status === 'Valid' ? EXIT.ok : EXIT.failed;
}

async function backupRestore(id: string, opts: { json: boolean; to?: string; force?: boolean }): Promise<void> {
  checkId(id);
  const r = await restoreBackup(loadConfig(), id, {
    ...(opts.to ? { to: opts.to } : {}),
    force: opts.force === true,
    progress: (l) => progress(opts.json, l),
  });
  emit(
    opts.json,
    r,
    () =>
      `Restored ${r.id} into ${r.target} in ${(r.rtoMs / 1000).toFixed(1)} s (measured RTO, verification included).${r.replacedRows ? ` Replaced ${r.replacedRows} rows.` : ''}`,
  );
}

async function backupPrune(opts: { json: boolean; dryRun?: boolean }): Promise<void> {
  const r = await pruneBackups(loadConfig(), { dryRun: opts.dryRun === true });
  emit(opts.json, r, () =>
    [
      `${r.dryRun ? 'Would delete' : 'Deleted'} ${r.deleted.length} backups; kept ${r.kept.length}; newest valid: ${r.newestValid ?? 'none'}.`,
      ...r.kept.map((k) => `  keep ${k.id} (${k.why.join(', ')})`),
      ...r.deleted.map((d) => `  ${r.dryRun ? 'would delete' : 'deleted'} ${d}`),
    ].join('\n'),
  );
}

/** Backup commands (docs/cli.md); each takes --json and prints exactly one JSON document. */
export function registerBackupCommands(program: Command, run: Run): void {
  const b = program.command('backup').description('Backups that are proven by restoring them');
  const json = '--json';
  b.command('create')
    .description('Create a backup (through the running server when one answers)')
    .option(json, 'print one JSON document')
    .option('--key <key>', 'admin key for the running server')
    .action((o: { json?: boolean; key?: string }) =>
      run(!!o.json, () => backupCreate({ json: !!o.json, ...(o.key ? { key: o.key } : {}) })),
    );
  b.command('list')
    .description('Backups, newest first')
    .option(json, 'print one JSON document')
    .action((o: { json?: boolean }) => run(!!o.json, () => backupList(!!o.json)));
  b.command('verify [id]')
    .description('Verify a backup (default: the newest) by restoring it into scratch; exit 1 unless Valid')
    .option(json, 'print one JSON document')
    .action((id: string | undefined, o: { json?: boolean }) => run(!!o.json, () => backupVerify(id, !!o.json)));
  b.command('restore <id>')
    .description('Restore a verified backup; refuses an invalid backup and a non-empty target without --force')
    .option('--to <target>', 'DATABASE_URL or data dir (default: the configured database)')
    .option('--force', 'replace a target that already holds data')
    .option(json, 'print one JSON document')
    .action((id: string, o: { json?: boolean; to?: string; force?: boolean }) =>
      run(!!o.json, () => backupRestore(id, { ...o, json: !!o.json })),
    );
  b.command('prune')
    .description('Apply the grandfather-father-son retention; never deletes the newest valid backup')
    .option('--dry-run', 'report what would be deleted')
    .option(json, 'print one JSON document')
    .action((o: { json?: boolean; dryRun?: boolean }) => run(!!o.json, () => backupPrune({ ...o, json: !!o.json })));
}

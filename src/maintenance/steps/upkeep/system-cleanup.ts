import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pruneBackups } from '../../../backup/prune.js';
import type { LiveIndex } from '../../../live/contract.js';
import type { Store } from '../../../store/contract.js';
import type { Step, StepContext } from '../../step.js';
import { careForLogs, cleanTemp, treeBytes, DEFAULT_LOG_POLICY } from './files.js';
import { Parts } from '../shared/measure.js';
import { DAY_MS, human } from './units.js';

/** Temporary files are left alone for a day: a backup or a restore may still be using them. */
const TEMP_MAX_AGE_MS = DAY_MS;

/**
 * Live-index entries of queues the database no longer has (a delete that died between the two
 * writes). The index is read first: a queue created after that read is not in the list, and one
 * created before it is already committed to the database, so a new queue is never taken for an orphan.
 */
async function dropOrphanedQueues(
  store: Store,
  index: LiveIndex,
): Promise<{ queues: number; entries: number; queueIds: string[] }> {
  const inIndex = await index.queueIds();
  const known = new Set((await store.listQueues()).map((q) => q.id));
  const queueIds = inIndex.filter((id) => !known.has(id));
  let entries = 0;
  for (const id of queueIds) {
    entries += await index.count(id);
    await index.dropQueue(id);
  }
  return { queues: queueIds.length, entries, queueIds };
}

/**
 * Old backups by the grandfather-father-son policy of `config.backup` (src/backup/prune.ts, which
 * never deletes the newest backup that verifies). Bytes freed are the measured sizes of the folders
 * it deleted, read just before.
 */
async function pruneOldBackups(ctx: StepContext) {
  const root = ctx.config.backup.dir;
  const sizes = new Map<string, number>();
  for (const name of await readdir(root).catch(() => [] as string[]))
    sizes.set(name, await treeBytes(join(root, name)));
  const r = await pruneBackups(ctx.config, { now: () => ctx.now(), signal: ctx.signal });
  const gone = [...r.deleted, ...r.abandonedTmpRemoved, ...r.trashRemoved];
  return {
    deleted: r.deleted,
    abandonedTmpRemoved: r.abandonedTmpRemoved,
    trashRemoved: r.trashRemoved,
    kept: r.kept.length,
    newestValid: r.newestValid,
    unreadable: r.unreadable,
    bytesFreed: gone.reduce((n, name) => n + (sizes.get(name) ?? 0), 0),
    policy: {
      keepDaily: ctx.config.backup.keepDaily,
      keepWeekly: ctx.config.backup.keepWeekly,
      keepMonthly: ctx.config.backup.keepMonthly,
    },
  };
}

/**
 * Weekly step: gives back disk and removes what nothing uses any more. Temporary files older than
 * a day; logs gzipped after a week and deleted after a month (never the active file); backups
 * outside the retention policy; queues closed longer than the ticket retention, archived (their
 * tickets folded into daily aggregates, then the queue deleted: see `archiveClosedQueues`); and
 * live-index entries of queues that no longer exist. Counts and bytes are measured, not estimated.
 */
export const systemCleanup: Step = async (ctx) => {
  const parts = new Parts(ctx.signal);
  const now = ctx.now().getTime();

  const tempFiles = await parts.run('temporary file cleanup', () =>
    cleanTemp(ctx.config.tmpDir, now - TEMP_MAX_AGE_MS, ctx.signal),
  );
  const logs = await parts.run('log rotation', () => careForLogs(ctx.config.logDir, now, ctx.signal));
  const oldBackups = await parts.run('old backup removal', () => pruneOldBackups(ctx));
  if (oldBackups !== null) {
    for (const u of oldBackups.unreadable)
      parts.note('warning', `backup ${u.id} has no readable manifest and was left alone: ${u.reason}`);
    if (oldBackups.newestValid === null && oldBackups.kept + oldBackups.deleted.length > 0)
      parts.note('warning', 'no backup verifies: every backup was kept, pending a valid one');
  }

  const retentionDays = ctx.config.maintenance.ticketRetentionDays;
  const closedBefore = new Date(now - retentionDays * DAY_MS);
  const archive = await parts.run('archive of closed queues', () => ctx.store.admin.archiveClosedQueues(closedBefore));
  const orphans = await parts.run('orphaned live-index entries', () => dropOrphanedQueues(ctx.store, ctx.live.index));
  if (archive !== null && archive.queuesArchived > 0) {
    parts.note(
      'info',
      `${archive.queuesArchived} queue(s) closed before ${closedBefore.toISOString()} archived: ${archive.ticketsFolded} tickets folded into daily aggregates, then the queues deleted`,
    );
  }
  if (orphans !== null && orphans.queues > 0)
    parts.note(
      'info',
      `live-index entries of ${orphans.queues} queue(s) that no longer exist removed (${orphans.entries} entries)`,
    );

  const fileParts = [tempFiles?.bytesFreed, logs?.bytesFreed, oldBackups?.bytesFreed];
  const bytesFreed = fileParts.every((b) => typeof b === 'number')
    ? fileParts.reduce((a, b) => (a ?? 0) + (b ?? 0), 0)
    : null;
  if (bytesFreed !== null && bytesFreed > 0) parts.note('info', `${human(bytesFreed)} of disk freed`);

  return parts.outcome({
    tempFiles: tempFiles === null ? null : { ...tempFiles, olderThanHours: TEMP_MAX_AGE_MS / 3_600_000 },
    logs: logs === null ? null : { ...logs, policy: DEFAULT_LOG_POLICY },
    oldBackups,
    closedQueues: archive === null ? null : { ...archive, closedBefore: closedBefore.toISOString(), retentionDays },
    orphanedLiveEntries: orphans,
    bytesFreed,
  });
};

import type { Step } from '../../step.js';
import { Parts } from '../shared/measure.js';
import { DAY_MS, human, MIB } from './units.js';

/** A table is called bloated from this share of dead and free space, and only past this size. */
const BLOAT_PERCENT = 30;
const BLOAT_MIN_BYTES = 8 * MIB;

/**
 * Weekly step: what the daily `databaseMaintenance` leaves to a quieter hour. Old maintenance runs
 * and metric samples past their retention are deleted first, so that the rebuilt indexes, the
 * reclaimed space and the statistics all see the tables as they will stay. Then the indexes are
 * rebuilt (PostgreSQL concurrently, with the INVALID leftovers of an interrupted rebuild dropped
 * and counted), storage is compacted with sizes measured before and after, statistics are
 * refreshed, and the bloat that remains is estimated where the engine can tell.
 */
export const weeklyDatabaseMaintenance: Step = async (ctx) => {
  const parts = new Parts(ctx.signal);
  const admin = ctx.store.admin;
  const now = ctx.now().getTime();
  const { runRetentionDays, sampleRetentionDays } = ctx.config.maintenance;

  const runsBefore = new Date(now - runRetentionDays * DAY_MS);
  const samplesBefore = new Date(now - sampleRetentionDays * DAY_MS);
  const runsRemoved = await parts.run('removal of old maintenance runs', () =>
    ctx.store.maintenance.deleteRunsBefore(runsBefore),
  );
  const samplesRemoved = await parts.run('removal of old metric samples', () =>
    ctx.store.maintenance.deleteSamplesBefore(samplesBefore),
  );
  const oldDataRemoved = {
    maintenanceRunsRemoved: runsRemoved,
    metricSamplesRemoved: samplesRemoved,
    runsStartedBefore: runsBefore.toISOString(),
    samplesTakenBefore: samplesBefore.toISOString(),
    runRetentionDays,
    sampleRetentionDays,
  };

  const reindex = await parts.run('reindex', () => admin.reindex());
  if (reindex !== null) {
    for (const f of reindex.failed)
      parts.note('error', `reindex of ${f.index} failed (the old index stays in use): ${f.error}`);
    if (reindex.invalidDropped.length > 0) {
      // Repaired here, but they were written to on every insert until now: worth knowing what interrupted the rebuild.
      parts.note(
        'warning',
        `${reindex.invalidDropped.length} INVALID index(es) left by an interrupted concurrent rebuild were dropped: ${reindex.invalidDropped.join(', ')}`,
      );
    }
    if (reindex.invalidKept.length > 0) {
      parts.note(
        'warning',
        `INVALID index(es) that are not rebuild leftovers, left for a person to look at (recreate them): ${reindex.invalidKept.join(', ')}`,
      );
    }
  }

  const storage = await parts.run('storage compaction', () => admin.compactStorage());
  if (storage !== null && storage.bytesReclaimed < 0) {
    parts.note(
      'info',
      `the database grew by ${human(-storage.bytesReclaimed)} during compaction (${storage.details.join('; ')}); nothing was reclaimed`,
    );
  }

  const statisticsUpdated = await parts.run('statistics update', () => admin.updateStatistics());

  const bloat = await parts.run('bloat estimate', () => admin.bloatEstimate());
  if (bloat !== null && !bloat.available) parts.note('info', `bloat estimate not available: ${bloat.reason}`);
  if (bloat !== null && bloat.available) {
    const heavy = bloat.tables.filter((t) => t.tableBytes >= BLOAT_MIN_BYTES && t.bloatPercent >= BLOAT_PERCENT);
    for (const t of heavy) {
      parts.note(
        'info',
        `table ${t.table}: ${t.bloatPercent}% of ${human(t.tableBytes)} is dead or free space; it is reused by new rows, and only a rewrite (VACUUM FULL, off-hours) would return it`,
      );
    }
  }

  return parts.outcome({
    backend: ctx.store.kind,
    oldDataRemoved,
    reindex:
      reindex === null
        ? null
        : {
            method: reindex.method,
            rebuilt: reindex.rebuilt.length,
            indexes: reindex.rebuilt,
            failed: reindex.failed,
            invalidDropped: reindex.invalidDropped.length,
            invalidDroppedNames: reindex.invalidDropped,
            invalidKept: reindex.invalidKept,
          },
    storage,
    statisticsUpdated,
    bloat,
  });
};

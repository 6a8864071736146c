import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { mkdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { createBackup, pruneBackups } from '../../src/backup/index.js';
import type { StepContext } from '../../src/maintenance/step.js';
import { backupStep } from '../../src/maintenance/steps/backup/index.js';
import { backupVerification } from '../../src/maintenance/steps/backup-verification/index.js';
import { disasterRecovery } from '../../src/maintenance/steps/disaster-recovery/index.js';
import { stepContextOf } from '../support/maintenance.js';
import { BACKENDS, Scratch, seed, skipRedis, system, type System } from './support.js';

const scratch = new Scratch();
after(() => scratch.cleanup());

/** The context the engine would give a step on this node, with its real backends and a run id of its own. */
function context(sys: System, opts: { now?: () => Date; config?: System['config'] } = {}): StepContext {
  return stepContextOf(
    { ...sys.rt, config: opts.config ?? sys.config },
    { now: opts.now, runId: `run_${Math.random().toString(36).slice(2)}` },
  );
}

const variants = [
  ...BACKENDS.map((b) => ({ ...b, redis: false })),
  { name: 'sqlite' as const, skip: skipRedis, redis: true },
];

for (const v of variants) {
  const label = `${v.name}${v.redis ? ' with Redis' : ''}`;
  describe(`backup steps on ${label}`, { skip: v.skip }, () => {
    it('backup creates and verifies; backupVerification then reports every part Valid', async () => {
      const sys = await system(scratch, v.name, { redis: v.redis });
      await seed(sys.rt);
      const made = await backupStep(context(sys));
      assert.equal(made.status, 'succeeded', made.error ?? '');
      assert.equal(made.figures.status, 'Valid');
      const checked = await backupVerification(context(sys));
      assert.equal(checked.status, 'succeeded', checked.error ?? '');
      assert.equal(checked.figures.backupId, made.figures.backupId);
      for (const f of ['databaseBackupStatus', 'redisBackupStatus', 'configurationBackupStatus'])
        assert.equal(checked.figures[f], 'Valid', f);
    });

    it('backupVerification fails with Missing when there is no backup, and with Stale when it is old', async () => {
      const sys = await system(scratch, v.name, { redis: v.redis });
      const missing = await backupVerification(context(sys));
      assert.equal(missing.status, 'failed');
      assert.equal(missing.figures.databaseBackupStatus, 'Missing');
      assert.equal(missing.figures.redisBackupStatus, 'Missing');
      assert.equal(missing.figures.configurationBackupStatus, 'Missing');
      assert.ok(missing.findings.some((f) => f.severity === 'error'));

      await createBackup({
        config: sys.config,
        store: sys.rt.store,
        live: sys.rt.live,
        now: () => new Date(Date.now() - 2 * 86_400_000),
      });
      const stale = await backupVerification(context(sys));
      assert.equal(stale.status, 'failed');
      assert.equal(stale.figures.databaseBackupStatus, 'Stale');
      assert.match(String(stale.figures.databaseBackupReason), /stale/);
    });

    it('backupVerification names a backup still being written instead of calling it Missing', async () => {
      const sys = await system(scratch, v.name, { redis: v.redis });
      // A create in progress writes into `.tmp-<id>` and renames it when complete; a crashed one
      // is not in progress and leaves the backup Missing. This one has no heartbeat (an older
      // version wrote it), so it counts as crashed once untouched for over a day.
      const crashed = join(sys.config.backup.dir, '.tmp-bk_crashed');
      await mkdir(crashed, { recursive: true });
      const dayAgo = (Date.now() - 25 * 3_600_000) / 1000;
      await utimes(crashed, dayAgo, dayAgo);
      const lost = await backupVerification(context(sys));
      assert.equal(lost.status, 'failed');
      assert.equal(lost.figures.databaseBackupStatus, 'Missing');
      assert.match(lost.error ?? '', /the create of bk_crashed .* crashed before it finished/);
      assert.deepEqual((await pruneBackups(sys.config)).abandonedTmpRemoved, ['.tmp-bk_crashed']);

      await mkdir(join(sys.config.backup.dir, '.tmp-bk_writing'));
      const first = await backupVerification(context(sys));
      assert.equal(first.status, 'skipped', JSON.stringify(first.findings));
      assert.match(first.error ?? '', /no complete backup yet: bk_writing .* is still being written/);
      assert.equal(first.figures.databaseBackupStatus, null);
      assert.deepEqual(
        (first.figures.backupsInProgress as { id: string }[]).map((b) => b.id),
        ['bk_writing'],
      );

      await seed(sys.rt);
      const made = await createBackup({ config: sys.config, store: sys.rt.store, live: sys.rt.live });
      const next = await backupVerification(context(sys));
      assert.equal(next.status, 'succeeded', next.error ?? '');
      assert.equal(next.figures.backupId, made.id);
      assert.ok(
        next.findings.some(
          (f) => f.severity === 'info' && f.message.startsWith('being written, not judged yet: bk_writing'),
        ),
        JSON.stringify(next.findings),
      );
    });

    it('disasterRecovery passes on a clean system with measured RTO and RPO', async () => {
      const sys = await system(scratch, v.name, { redis: v.redis });
      await seed(sys.rt);
      await createBackup({
        config: sys.config,
        store: sys.rt.store,
        live: sys.rt.live,
        now: () => new Date(Date.now() - 60_000),
      });
      const r = await disasterRecovery(context(sys));
      assert.equal(r.status, 'succeeded', JSON.stringify(r.findings));
      assert.ok(typeof r.figures.rtoMs === 'number' && r.figures.rtoMs > 0);
      assert.ok(typeof r.figures.rpoMs === 'number' && r.figures.rpoMs >= 60_000);
      const failover = r.figures.failover as { mismatches: number; entries: number };
      assert.equal(failover.mismatches, 0);
      assert.ok(failover.entries > 0);
      const data = r.figures.dataRecovery as { compared: number; matched: number; mismatches: string[] };
      assert.ok(data.compared > 0);
      assert.equal(data.matched, data.compared);
    });

    it('disasterRecovery fails when the live index has drifted, and when RPO is over target', async () => {
      const sys = await system(scratch, v.name, { redis: v.redis });
      const { queues } = await seed(sys.rt);
      await createBackup({ config: sys.config, store: sys.rt.store, live: sys.rt.live });
      const [gone] = await sys.rt.live.index.range(queues[0] as string, 0, 1);
      await sys.rt.live.index.remove(queues[0] as string, [gone as string]);
      const r = await disasterRecovery(context(sys));
      assert.equal(r.status, 'failed');
      assert.ok((r.figures.failover as { mismatches: number }).mismatches > 0);
      assert.ok(r.findings.some((f) => f.severity === 'error' && /failover/.test(f.message)));

      const strict = { ...sys.config, backup: { ...sys.config.backup, rpoTargetMs: 1 } };
      await sys.rt.live.index.add(
        queues[0] as string,
        (await sys.rt.store.waitingEntries(queues[0])).get(queues[0] as string) ?? [],
      );
      const late = await disasterRecovery(context(sys, { config: strict }));
      assert.equal(late.status, 'failed');
      assert.ok(late.findings.some((f) => /RPO target/.test(f.message)));
    });

    it('disasterRecovery fails without a valid backup', async () => {
      const sys = await system(scratch, v.name, { redis: v.redis });
      const r = await disasterRecovery(context(sys));
      assert.equal(r.status, 'failed');
      assert.equal(r.figures.rtoMs, null);
      assert.match(r.error ?? '', /no valid backup/);
    });
  });
}

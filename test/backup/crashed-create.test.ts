import assert from 'node:assert/strict';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createBackup, pruneBackups, unfinishedBackups } from '../../src/backup/index.js';
import { LEASE_FILE } from '../../src/backup/lease.js';
import { backupVerification } from '../../src/maintenance/steps/backup-verification/index.js';
import { stepContextOf } from '../support/maintenance.js';
import { BACKENDS, Scratch, seed, system, type System } from './support.js';

const scratch = new Scratch();
after(() => scratch.cleanup());

const WRITER = { host: 'node-b', pid: 4242, startedAt: '2026-11-30T01:59:00.000Z' };

/**
 * A `.tmp-` folder as a create leaves it when its process dies mid-write: part of a dump, and a
 * heartbeat last moved at `beatAt`. The folder itself was written just now, so its mtime is fresh:
 * only the heartbeat tells a crash from a create still running.
 */
async function leftBehind(root: string, id: string, beatAt: Date, heartbeat: string = JSON.stringify(WRITER)) {
  const dir = join(root, `.tmp-${id}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'live.json'), '{"queues":');
  await writeFile(join(dir, LEASE_FILE), heartbeat);
  await utimes(join(dir, LEASE_FILE), beatAt, beatAt);
}

const ids = (list: readonly { id: string }[]): string[] => list.map((b) => b.id);
const ago = (ms: number): Date => new Date(Date.now() - ms);

describe('the heartbeat of a backup being written', () => {
  it('a fresh heartbeat is in progress, one that stopped over a minute ago is abandoned', async () => {
    const root = await scratch.dir();
    await leftBehind(root, 'bk_writing', ago(10_000));
    await leftBehind(root, 'bk_crashed', ago(90_000));
    const seen = await unfinishedBackups(root, new Date());
    assert.deepEqual(ids(seen.inProgress), ['bk_writing']);
    assert.deepEqual(ids(seen.abandoned), ['bk_crashed']);
    assert.deepEqual(seen.abandoned[0]?.writer, WRITER);
  });

  it('garbage in a heartbeat file names no writer and is judged by the file time, never a crash', async () => {
    const root = await scratch.dir();
    await leftBehind(root, 'bk_binary', ago(5_000), '\u0000\u00ff{not json');
    await leftBehind(root, 'bk_wrong', ago(90_000), JSON.stringify({ host: '', pid: -1, startedAt: 'yesterday' }));
    await leftBehind(root, 'bk_huge', ago(90_000), JSON.stringify({ ...WRITER, host: 'x'.repeat(10_000) }));
    const seen = await unfinishedBackups(root, new Date());
    assert.deepEqual(ids(seen.inProgress), ['bk_binary']);
    assert.deepEqual(ids(seen.abandoned), ['bk_wrong', 'bk_huge']);
    for (const b of [...seen.inProgress, ...seen.abandoned]) assert.equal(b.writer, null, b.id);
  });

  it('a folder without a heartbeat (an older version wrote it) keeps the 24 h rule', async () => {
    const root = await scratch.dir();
    for (const [id, age] of [
      ['bk_old_recent', 2 * 3_600_000],
      ['bk_old_dead', 25 * 3_600_000],
    ] as const) {
      await mkdir(join(root, `.tmp-${id}`));
      await utimes(join(root, `.tmp-${id}`), ago(age), ago(age));
    }
    const seen = await unfinishedBackups(root, new Date());
    assert.deepEqual(ids(seen.inProgress), ['bk_old_recent']);
    assert.deepEqual(ids(seen.abandoned), ['bk_old_dead']);
  });
});

function context(sys: System, now: Date) {
  return stepContextOf(sys.rt, { now: () => now, runId: `run_${Math.random().toString(36).slice(2)}` });
}

for (const backend of BACKENDS) {
  describe(`a crashed backup create on ${backend.name}`, { skip: backend.skip }, () => {
    it('backupVerification warns that it crashed instead of calling it in progress', async () => {
      const sys = await system(scratch, backend.name);
      await seed(sys.rt);
      const made = await createBackup({ config: sys.config, store: sys.rt.store, live: sys.rt.live });
      assert.deepEqual(await readdir(made.path).then((n) => n.includes(LEASE_FILE)), false, 'no heartbeat in a backup');
      await leftBehind(sys.config.backup.dir, 'bk_crashed', ago(90_000));
      await leftBehind(sys.config.backup.dir, 'bk_writing', ago(2_000));

      const r = await backupVerification(context(sys, new Date()));
      assert.equal(r.status, 'warning', JSON.stringify(r.findings));
      assert.equal(r.figures.databaseBackupStatus, 'Valid');
      assert.equal(r.figures.backupId, made.id);
      assert.deepEqual(ids(r.figures.backupsInProgress as { id: string }[]), ['bk_writing']);
      assert.deepEqual(ids(r.figures.abandonedBackups as { id: string }[]), ['bk_crashed']);
      const warning = r.findings.find((f) => f.severity === 'warning');
      assert.match(warning?.message ?? '', /backup create crashed: bk_crashed \(last heartbeat .*pid 4242 on node-b\)/);
    });

    it('when the first backup crashed the step fails saying so, where a live one is skipped', async () => {
      const sys = await system(scratch, backend.name);
      const beat = new Date();
      await leftBehind(sys.config.backup.dir, 'bk_first', beat);

      const writing = await backupVerification(context(sys, new Date(beat.getTime() + 30_000)));
      assert.equal(writing.status, 'skipped', JSON.stringify(writing.findings));

      const crashed = await backupVerification(context(sys, new Date(beat.getTime() + 61_000)));
      assert.equal(crashed.status, 'failed', JSON.stringify(crashed.findings));
      assert.match(crashed.error ?? '', /no complete backup: the create of bk_first .* crashed before it finished/);
      assert.equal(crashed.figures.databaseBackupStatus, 'Missing');
      assert.match(String(crashed.figures.databaseBackupReason), /crashed/);
      assert.deepEqual(ids(crashed.figures.abandonedBackups as { id: string }[]), ['bk_first']);
      assert.deepEqual(crashed.figures.backupsInProgress, []);
    });

    it('prune removes a create whose heartbeat stopped at once, and never one still beating', async () => {
      const sys = await system(scratch, backend.name);
      const root = sys.config.backup.dir;
      await leftBehind(root, 'bk_crashed', ago(61_000));
      await leftBehind(root, 'bk_writing', ago(1_000));

      const dry = await pruneBackups(sys.config, { dryRun: true });
      assert.deepEqual(dry.abandonedTmpRemoved, ['.tmp-bk_crashed']);
      assert.deepEqual((await readdir(root)).sort(), ['.tmp-bk_crashed', '.tmp-bk_writing']);

      const r = await pruneBackups(sys.config);
      assert.deepEqual(r.abandonedTmpRemoved, ['.tmp-bk_crashed']);
      assert.deepEqual(await readdir(root), ['.tmp-bk_writing']);
    });
  });
}

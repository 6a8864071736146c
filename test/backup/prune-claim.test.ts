import assert from 'node:assert/strict';
import { readdirSync, renameSync } from 'node:fs';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  backupIds,
  createBackup,
  listBackups,
  pruneBackups,
  restoreBackup,
  unfinishedBackups,
  verifyBackup,
} from '../../src/backup/index.js';
import { claimAbandoned } from '../../src/backup/claim.js';
import { BackupLease, LEASE_FILE } from '../../src/backup/lease.js';
import { BackupError } from '../../src/errors/index.js';
import { BACKENDS, Scratch, seed, system } from './support.js';

const scratch = new Scratch();
after(() => scratch.cleanup());

const WRITER = { host: 'node-b', pid: 4242, startedAt: '2026-11-30T01:59:00.000Z' };
const ago = (ms: number): Date => new Date(Date.now() - ms);

/**
 * A create paused (VM pause, SIGSTOP, NFS hang) with `files` written: its last beat is over a
 * minute old, so every prune judges it crashed, but its writer can still wake up and finish.
 */
async function pausedCreate(root: string, id: string, files: number): Promise<BackupLease> {
  const dir = join(root, `.tmp-${id}`);
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < files; i += 500)
    await Promise.all(
      Array.from({ length: Math.min(500, files - i) }, (_, j) => writeFile(join(dir, `part-${i + j}`), 'x')),
    );
  await writeFile(join(dir, LEASE_FILE), JSON.stringify(WRITER));
  await utimes(join(dir, LEASE_FILE), ago(61_000), ago(61_000));
  // Its own monotonic clock stood still while it was paused: it does not know it went silent.
  return new BackupLease(dir);
}

const reasonOf = (e: unknown): string | null => (e instanceof BackupError ? e.reason : null);
const count = (dir: string): Promise<number> => readdir(dir).then((n) => n.length);

for (const backend of BACKENDS) {
  describe(`a prune and a paused backup create on ${backend.name}`, { skip: backend.skip }, () => {
    it('after a prune claimed the folder, the writer cannot finish: backup_claimed, and no backup', async () => {
      const sys = await system(scratch, backend.name);
      const root = sys.config.backup.dir;
      const lease = await pausedCreate(root, 'bk_paused', 20);

      const trash = await claimAbandoned(root, 'bk_paused', new Date());
      assert.match(trash ?? '', /^\.trash-bk_paused\./);
      await assert.rejects(lease.finish(join(root, 'bk_paused')), (e) => reasonOf(e) === 'backup_claimed');
      assert.deepEqual(await readdir(root), [trash]);
      assert.deepEqual(await backupIds(root), []);
    });

    it('a writer that finishes first keeps its backup whole, and the prune leaves it alone', async () => {
      const sys = await system(scratch, backend.name);
      const root = sys.config.backup.dir;
      const lease = await pausedCreate(root, 'bk_woke', 20);
      assert.deepEqual(
        (await unfinishedBackups(root, new Date())).abandoned.map((b) => b.id),
        ['bk_woke'],
      );

      await lease.finish(join(root, 'bk_woke'));
      assert.equal(await claimAbandoned(root, 'bk_woke', new Date()), null);
      const r = await pruneBackups(sys.config);
      assert.deepEqual([r.abandonedTmpRemoved, r.trashRemoved], [[], []]);
      assert.equal(await count(join(root, 'bk_woke')), 20);
    });

    it('a writer finishing while the prune deletes ends with a whole backup or a failed create, never a partial one', async () => {
      const sys = await system(scratch, backend.name);
      const root = sys.config.backup.dir;
      const files = 10_000;
      const lease = await pausedCreate(root, 'bk_race', files);
      const tmp = join(root, '.tmp-bk_race');

      const pruning = pruneBackups(sys.config);
      // The writer wakes up once the prune is at work on the folder: claimed it, or begun emptying it.
      // Read synchronously: an async read would queue behind the prune's deletions and see them done.
      while (countNow(tmp) >= files + 1) await new Promise((resolve) => setImmediate(resolve));
      const finished = await lease.finish(join(root, 'bk_race')).then(
        () => 'written',
        (e: unknown) => reasonOf(e) ?? String(e),
      );
      const pruned = await pruning;

      if (finished === 'written') assert.equal(await count(join(root, 'bk_race')), files, 'a written backup is whole');
      else {
        assert.equal(finished, 'backup_claimed');
        assert.deepEqual(pruned.abandonedTmpRemoved, ['.tmp-bk_race']);
        assert.deepEqual(await readdir(root), [], 'the claimed folder is deleted and nothing looks like a backup');
      }
    });

    it('a create whose folder a prune claims mid-write fails with backup_claimed and leaves nothing', async () => {
      const sys = await system(scratch, backend.name);
      await seed(sys.rt);
      const root = sys.config.backup.dir;
      const progress = (line: string): void => {
        if (!line.startsWith('taking the live-state snapshot')) return;
        const tmp = readdirTmp(root);
        renameSync(join(root, tmp), join(root, tmp.replace('.tmp-', '.trash-')));
      };
      await assert.rejects(
        createBackup({ config: sys.config, store: sys.rt.store, live: sys.rt.live, progress }),
        (e) => reasonOf(e) === 'backup_claimed',
      );
      assert.deepEqual(await backupIds(root), []);
      assert.ok((await readdir(root)).every((n) => n.startsWith('.trash-')));
    });

    it('leftover .trash- folders are never listed, and the next prune removes them', async () => {
      const sys = await system(scratch, backend.name);
      await seed(sys.rt);
      const root = sys.config.backup.dir;
      const made = await createBackup({ config: sys.config, store: sys.rt.store, live: sys.rt.live });
      const left = `.trash-${made.id}.0badf00d`;
      renameSync(made.path, join(root, left));
      const other = await createBackup({ config: sys.config, store: sys.rt.store, live: sys.rt.live });

      assert.deepEqual(await backupIds(root), [other.id]);
      assert.deepEqual(
        (await listBackups(sys.config, { limit: 10, now: new Date() })).items.map((b) => b.id),
        [other.id],
      );
      assert.deepEqual(await unfinishedBackups(root, new Date()), { inProgress: [], abandoned: [] });
      assert.equal((await verifyBackup(sys.config)).id, other.id);
      await assert.rejects(verifyBackup(sys.config, left), { code: 'validation_failed' });
      await assert.rejects(restoreBackup(sys.config, left), { code: 'validation_failed' });

      const dry = await pruneBackups(sys.config, { dryRun: true });
      assert.deepEqual(dry.trashRemoved, [left]);
      assert.ok((await readdir(root)).includes(left), 'a dry run deletes nothing');
      const r = await pruneBackups(sys.config);
      assert.deepEqual(r.trashRemoved, [left]);
      assert.deepEqual(await readdir(root), [other.id]);
    });
  });
}

function countNow(dir: string): number {
  try {
    return readdirSync(dir).length;
  } catch {
    return -1;
  }
}

function readdirTmp(root: string): string {
  const found = readdirSync(root).find((n) => n.startsWith('.tmp-'));
  if (!found) throw new Error('no create in progress');
  return found;
}

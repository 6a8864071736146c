import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { backupIds, createBackup, pruneBackups, selectRetained, type DatedBackup } from '../../src/backup/index.js';
import { BACKENDS, Scratch, seed, system } from './support.js';

const scratch = new Scratch();
after(() => scratch.cleanup());

const at = (id: string, iso: string): DatedBackup => ({ id, createdAt: new Date(iso) });
const BACKUPS = [
  at('a', '2026-11-27T05:00:00Z'),
  at('b', '2026-11-27T01:00:00Z'),
  at('c', '2026-11-26T10:00:00Z'),
  at('d', '2026-11-23T10:00:00Z'),
  at('e', '2026-11-20T10:00:00Z'),
  at('f', '2026-11-10T10:00:00Z'),
  at('g', '2026-10-15T10:00:00Z'),
  at('h', '2026-09-01T10:00:00Z'),
];

describe('grandfather-father-son retention', () => {
  it('keeps the newest of each recent day, ISO week and month, and nothing else', () => {
    const keep = selectRetained(BACKUPS, { keepDaily: 2, keepWeekly: 2, keepMonthly: 3, timezone: 'UTC' });
    assert.deepEqual(Object.fromEntries(keep), {
      a: ['daily', 'weekly', 'monthly'],
      c: ['daily'],
      e: ['weekly'],
      g: ['monthly'],
      h: ['monthly'],
    });
  });

  it('counts days in the maintenance time zone', () => {
    // In Los Angeles a, b and c all fall on 26 November; d is the previous day with a backup.
    const keep = selectRetained(BACKUPS, {
      keepDaily: 2,
      keepWeekly: 0,
      keepMonthly: 0,
      timezone: 'America/Los_Angeles',
    });
    assert.deepEqual([...keep.keys()], ['a', 'd']);
  });

  it('keeps nothing when every tier is zero', () => {
    assert.equal(selectRetained(BACKUPS, { keepDaily: 0, keepWeekly: 0, keepMonthly: 0, timezone: 'UTC' }).size, 0);
  });
});

for (const backend of BACKENDS) {
  describe(`prune on ${backend.name}`, { skip: backend.skip }, () => {
    it('follows the policy and never deletes the newest valid backup', async () => {
      const sys = await system(scratch, backend.name);
      await seed(sys.rt);
      const now = Date.now();
      const ago = [40 * 86_400_000, 20 * 86_400_000, 9 * 86_400_000, 2 * 86_400_000, 86_400_000, 3_600_000, 60_000];
      const ids: string[] = [];
      for (const ms of ago)
        ids.push(
          (
            await createBackup({
              config: sys.config,
              store: sys.rt.store,
              live: sys.rt.live,
              now: () => new Date(now - ms),
            })
          ).id,
        );
      const newest = ids[ids.length - 1] as string;
      const secondNewest = ids[ids.length - 2] as string;
      // The newest backup is damaged: the policy keeps it, but it restores nothing.
      const m = JSON.parse(await readFile(join(sys.config.backup.dir, newest, 'manifest.json'), 'utf8')) as {
        files: { database: { name: string } };
      };
      const dump = join(sys.config.backup.dir, newest, m.files.database.name);
      const bytes = await readFile(dump);
      bytes[100] = (bytes[100] as number) ^ 0xff;
      await writeFile(dump, bytes);

      const config = { ...sys.config, backup: { ...sys.config.backup, keepDaily: 1, keepWeekly: 1, keepMonthly: 1 } };
      const dry = await pruneBackups(config, { dryRun: true });
      assert.equal((await backupIds(config.backup.dir)).length, ids.length, 'a dry run deletes nothing');
      assert.equal(dry.deleted.length, ids.length - 2);

      const r = await pruneBackups(config);
      assert.equal(r.newestValid, secondNewest);
      assert.deepEqual(
        r.verified.map((v) => v.status),
        ['Invalid', 'Valid'],
      );
      assert.deepEqual(r.kept.map((k) => k.id).sort(), [newest, secondNewest].sort());
      assert.deepEqual(r.kept.find((k) => k.id === secondNewest)?.why, ['newest valid']);
      assert.deepEqual(r.deleted.sort(), ids.slice(0, -2).sort());
      assert.deepEqual((await backupIds(config.backup.dir)).sort(), [newest, secondNewest].sort());
    });
  });
}

import assert from 'node:assert/strict';
import { mkdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BackupLease, LEASE_FILE } from '../../src/backup/lease.js';
import { BackupError } from '../../src/errors/index.js';
import { Scratch } from './support.js';

const scratch = new Scratch();
after(() => scratch.cleanup());

/** The wall clock, read where a mocked `Date` cannot reach it. */
const realNow = (): number => performance.timeOrigin + performance.now();

async function creating(): Promise<{ root: string; dir: string }> {
  const root = await scratch.dir();
  const dir = join(root, '.tmp-bk_beating');
  await mkdir(dir);
  return { root, dir };
}

describe('the heartbeat of a backup create', () => {
  it('each beat rewrites the file, so its mtime is the file system time, not the writer clock', async (t) => {
    const { dir } = await creating();
    const file = join(dir, LEASE_FILE);
    // The writer's clock runs ten minutes behind: a beat stamped with it would look crashed.
    t.mock.timers.enable({ apis: ['setInterval', 'Date'], now: realNow() - 600_000 });
    const lease = new BackupLease(dir);
    await lease.start();
    const first = await readFile(file, 'utf8');
    const hourAgo = new Date(realNow() - 3_600_000);
    await utimes(file, hourAgo, hourAgo);

    t.mock.timers.tick(5_000);
    for (let i = 0; i < 200 && (await stat(file)).mtimeMs < realNow() - 1_800_000; i++)
      await new Promise((resolve) => setImmediate(resolve));
    await lease.stop();
    const after = await stat(file);
    assert.ok(Math.abs(after.mtimeMs - realNow()) < 30_000, `mtime ${new Date(after.mtimeMs).toISOString()}`);
    assert.notEqual(await readFile(file, 'utf8'), first, 'the beat rewrote the content');
    assert.equal(JSON.parse(await readFile(file, 'utf8')).beat, 2);
  });

  it('beats that fail for over a minute stop the create before its final rename, with the last error', async () => {
    const { root, dir } = await creating();
    let now = 0;
    const errors: unknown[] = [];
    const lease = new BackupLease(dir, { clock: () => now, onBeatError: (e) => errors.push(e) });
    await lease.start();
    await lease.stop();
    // A heartbeat that cannot be replaced (a folder in its place), as when the shared disk refuses writes.
    await rm(join(dir, LEASE_FILE));
    await mkdir(join(dir, LEASE_FILE, 'x'), { recursive: true });

    now = 30_000;
    await assert.rejects(lease.beat());
    now = 61_000;
    await assert.rejects(lease.beat());
    assert.equal(errors.length, 1, 'a failing streak is reported once');
    await assert.rejects(lease.finish(join(root, 'bk_beating')), (e) => {
      assert.ok(e instanceof BackupError);
      assert.equal(e.reason, 'heartbeat_lost');
      assert.match(String(e.details?.lastBeatError), /EISDIR|ENOTEMPTY|EEXIST|directory/i);
      return true;
    });
    assert.equal((await stat(dir)).isDirectory(), true, 'the folder was not renamed into a backup');
  });

  it('a beat within the minute lets the create finish, without its heartbeat in the backup', async () => {
    const { root, dir } = await creating();
    let now = 0;
    const lease = new BackupLease(dir, { clock: () => now });
    await lease.start();
    now = 59_000;
    await lease.beat();
    now = 118_000;
    await lease.finish(join(root, 'bk_beating'));
    await assert.rejects(stat(join(root, 'bk_beating', LEASE_FILE)), { code: 'ENOENT' });
  });
});

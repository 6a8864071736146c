import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { backupIds, pruneBackups, unfinishedBackups } from '../../src/backup/index.js';
import { LEASE_FILE } from '../../src/backup/lease.js';
import { backupVerification } from '../../src/maintenance/steps/backup-verification/index.js';
import { stepContextOf } from '../support/maintenance.js';
import { Scratch, seed, system } from './support.js';

const scratch = new Scratch();
after(() => scratch.cleanup());

/** The `.tmp-` folder of a create once its heartbeat is on disk, or null. */
async function beatingCreate(root: string): Promise<string | null> {
  for (const name of await readdir(root).catch(() => [] as string[])) {
    if (!name.startsWith('.tmp-')) continue;
    if (
      await access(join(root, name, LEASE_FILE)).then(
        () => true,
        () => false,
      )
    )
      return name;
  }
  return null;
}

describe('a backup create killed mid-write', () => {
  it('is in progress while its heartbeat is fresh, then a crash the step reports and prune removes', async () => {
    const sys = await system(scratch, 'sqlite');
    await seed(sys.rt);
    if (sys.config.database.kind !== 'sqlite') throw new Error('a SQLite node was asked for');
    // Ballast, so that the dump takes long enough (about a second) to be killed in the middle of it.
    const db = new Database(sys.config.database.path);
    db.exec(`CREATE TABLE ballast (b BLOB);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 96)
      INSERT INTO ballast SELECT randomblob(1048576) FROM n;`);
    db.close();

    const root = sys.config.backup.dir;
    // No server listens on port 9: the CLI creates the backup in its own process.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/backup/cli-entry.ts', 'backup', 'create', '--json'],
      {
        env: { PATH: process.env.PATH ?? '', QK_DATA_DIR: sys.config.dataDir, PORT: '9', LOG_LEVEL: 'silent' },
        stdio: 'ignore',
      },
    );
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let exitedEarly = false;
    void exited.then(() => (exitedEarly = true));
    let folder: string | null = null;
    for (let waited = 0; folder === null && !exitedEarly && waited < 30_000; waited += 5) {
      folder = await beatingCreate(root);
      if (folder === null) await sleep(5);
    }
    assert.ok(folder !== null, 'the create left its heartbeat before it finished');
    child.kill('SIGKILL');
    await exited;
    assert.equal(child.signalCode, 'SIGKILL', 'the create was killed, it did not finish on its own');
    assert.deepEqual(await backupIds(root), [], 'a killed create leaves no backup');

    const id = folder.slice('.tmp-'.length);
    const justAfter = await unfinishedBackups(root, new Date());
    assert.deepEqual(
      justAfter.inProgress.map((b) => [b.id, b.writer?.pid]),
      [[id, child.pid]],
    );

    const aMinuteLater = new Date(Date.now() + 61_000);
    const step = await backupVerification(stepContextOf(sys.rt, { now: () => aMinuteLater }));
    assert.equal(step.status, 'failed', JSON.stringify(step.findings));
    assert.match(step.error ?? '', new RegExp(`the create of ${id} .*pid ${child.pid}.* crashed`));

    const pruned = await pruneBackups(sys.config, { now: () => aMinuteLater });
    assert.deepEqual(pruned.abandonedTmpRemoved, [folder]);
    assert.deepEqual(await readdir(root), []);
  });
});

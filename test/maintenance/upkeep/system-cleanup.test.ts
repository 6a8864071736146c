import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { careForLogs } from '../../../src/maintenance/steps/upkeep/files.js';
import { systemCleanup } from '../../../src/maintenance/steps/upkeep/index.js';
import { COMBOS } from '../../support/harness.js';
import { stepContextOf } from '../../support/maintenance.js';
import { stepNodeFixture, queueWith, rawSql } from '../../support/step-node.js';
import { age, DAY } from './support.js';

const bytes = (n: number, c = 'a') => c.repeat(n);

for (const combo of COMBOS) {
  describe(`systemCleanup on ${combo.name}`, { skip: combo.skip }, () => {
    // One node for both tests, in this order: the clean test plants nothing the second one counts.
    const fx = stepNodeFixture(combo);

    it('on a clean system removes nothing and says so with zeros', async () => {
      await queueWith(fx.node.rt, 2);
      const out = await systemCleanup(stepContextOf(fx.node));
      assert.equal(out.status, 'succeeded', JSON.stringify(out.findings));
      const f = out.figures as Record<string, any>;
      assert.equal(f.tempFiles.filesRemoved, 0);
      assert.equal(f.logs.gzipped + f.logs.deleted, 0);
      assert.deepEqual([f.oldBackups.deleted, f.oldBackups.abandonedTmpRemoved, f.oldBackups.bytesFreed], [[], [], 0]);
      assert.deepEqual([f.closedQueues.queuesArchived, f.closedQueues.closedKept], [0, 0]);
      assert.deepEqual(f.orphanedLiveEntries, { queues: 0, entries: 0, queueIds: [] });
      assert.equal(f.bytesFreed, 0);
    });

    it('removes old temp files, rotates old logs, drops an abandoned backup, archives old closed queues and orphaned index entries', async () => {
      const { rt, config } = fx.node;
      const now = Date.now();
      // Temp: two old files (one in an old sub-folder), one fresh; 100 + 250 bytes go.
      await mkdir(join(config.tmpDir, 'old-job'), { recursive: true });
      await writeFile(join(config.tmpDir, 'a.tmp'), bytes(100));
      await writeFile(join(config.tmpDir, 'old-job', 'b.tmp'), bytes(250));
      await writeFile(join(config.tmpDir, 'fresh.tmp'), bytes(999));
      await age(join(config.tmpDir, 'a.tmp'), 2);
      await age(join(config.tmpDir, 'old-job', 'b.tmp'), 3);
      await age(join(config.tmpDir, 'old-job'), 3);
      // Logs: the active file, one 3 days old (kept), one 10 days old (gzipped), one plain and one gzipped 40 days old (deleted).
      const logs = config.logDir;
      await mkdir(logs, { recursive: true });
      const lines =
        Array.from({ length: 200 }, (_, i) => `{"level":30,"time":${now - 10 * DAY},"msg":"line ${i}"}`).join('\n') +
        '\n';
      await writeFile(join(logs, 'queuekeeper.2024-01-10.1.log'), lines);
      await writeFile(join(logs, 'queuekeeper.2024-01-01.1.log'), bytes(700, 'p'));
      await writeFile(join(logs, 'queuekeeper.2023-12-01.1.log.gz'), bytes(300, 'g'));
      await writeFile(join(logs, 'queuekeeper.2024-01-17.1.log'), 'recent\n');
      await writeFile(join(logs, 'queuekeeper.2024-01-20.1.log'), 'active\n');
      await symlink(join(logs, 'queuekeeper.2024-01-20.1.log'), join(logs, 'current.log'));
      await age(join(logs, 'queuekeeper.2024-01-10.1.log'), 10);
      await age(join(logs, 'queuekeeper.2024-01-01.1.log'), 40);
      await age(join(logs, 'queuekeeper.2023-12-01.1.log.gz'), 41);
      await age(join(logs, 'queuekeeper.2024-01-17.1.log'), 3);
      // Backups: a half-written folder a crashed create left two days ago, 1234 bytes.
      const abandoned = join(config.backup.dir, '.tmp-bk_crashed');
      await mkdir(abandoned, { recursive: true });
      await writeFile(join(abandoned, 'database.dump'), bytes(1234));
      await age(abandoned, 2);
      // Queues: closed long ago and empty of waiting tickets (archived), closed long ago but still
      // holding a waiting ticket (kept), closed yesterday (kept).
      const old = await queueWith(rt, 3, 'old');
      for (let i = 0; i < 3; i++) await rt.service.act((await rt.service.callNext(old.queueId, null))!.id, 'serve');
      const busy = await queueWith(rt, 1, 'busy');
      const recent = await queueWith(rt, 0, 'recent');
      for (const q of [old, busy, recent]) await rt.service.updateQueue(q.queueId, { status: 'closed' });
      const longAgo = now - (config.maintenance.ticketRetentionDays + 5) * DAY;
      for (const q of [old, busy])
        await rawSql(config, [{ sql: 'UPDATE queues SET closed_at = ? WHERE id = ?', params: [longAgo, q.queueId] }]);
      // Orphans: live entries of a queue the database never had.
      await rt.live.index.add('q_orphan', [
        { ticketId: 't_o1', priority: 'normal', seq: 1 },
        { ticketId: 't_o2', priority: 'normal', seq: 2 },
      ]);

      const out = await systemCleanup(stepContextOf(fx.node, { now: () => new Date(now) }));
      assert.equal(out.status, 'succeeded', JSON.stringify(out.findings));
      const f = out.figures as Record<string, any>;
      assert.deepEqual([f.tempFiles.filesRemoved, f.tempFiles.bytesFreed, f.tempFiles.dirsRemoved], [2, 350, 1]);
      assert.deepEqual((await readdir(config.tmpDir)).sort(), ['fresh.tmp']);

      const gz = join(logs, 'queuekeeper.2024-01-10.1.log.gz');
      assert.equal(f.logs.gzipped, 1);
      assert.equal(f.logs.gzippedBytesBefore, Buffer.byteLength(lines));
      assert.equal(f.logs.gzippedBytesAfter, (await stat(gz)).size);
      assert.deepEqual([f.logs.deleted, f.logs.deletedBytes], [2, 1000]);
      assert.equal(f.logs.bytesFreed, 1000 + Buffer.byteLength(lines) - (await stat(gz)).size);
      assert.equal(gunzipSync(await readFile(gz)).toString(), lines);
      assert.ok(Math.abs((await stat(gz)).mtimeMs - (now - 10 * DAY)) < 1000, "the .gz keeps the log's age");
      assert.deepEqual((await readdir(logs)).sort(), [
        'current.log',
        'queuekeeper.2024-01-10.1.log.gz',
        'queuekeeper.2024-01-17.1.log',
        'queuekeeper.2024-01-20.1.log',
      ]);

      assert.deepEqual(f.oldBackups.abandonedTmpRemoved, ['.tmp-bk_crashed']);
      assert.equal(f.oldBackups.bytesFreed, 1234);
      assert.equal(f.bytesFreed, 350 + f.logs.bytesFreed + 1234);

      assert.deepEqual(
        [
          f.closedQueues.queuesArchived,
          f.closedQueues.queueIds,
          f.closedQueues.ticketsFolded,
          f.closedQueues.closedKept,
        ],
        [1, [old.queueId], 3, 1],
      );
      assert.equal(await rt.store.getQueue(old.queueId), null);
      assert.ok(await rt.store.getQueue(busy.queueId));
      assert.ok(await rt.store.getQueue(recent.queueId));
      const agg = (await rt.store.maintenance.dailyAggregates('2000-01-01')).filter((a) => a.queueId === old.queueId);
      assert.deepEqual([agg.reduce((n, a) => n + a.joined, 0), agg.reduce((n, a) => n + a.served, 0)], [3, 3]);

      assert.deepEqual(f.orphanedLiveEntries, { queues: 1, entries: 2, queueIds: ['q_orphan'] });
      assert.ok(!(await rt.live.index.queueIds()).includes('q_orphan'));
      assert.equal(await rt.live.index.count(busy.queueId), 1);

      const again = await systemCleanup(stepContextOf(fx.node, { now: () => new Date(now) }));
      assert.equal((again.figures as Record<string, any>).bytesFreed, 0);
    });
  });
}

describe('log rotation', () => {
  it('never touches the newest log, however old it is', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qk-logs-'));
    try {
      await writeFile(join(dir, 'only.log'), 'x\n');
      await age(join(dir, 'only.log'), 60);
      const r = await careForLogs(dir, Date.now(), new AbortController().signal);
      assert.deepEqual([r.active, r.gzipped, r.deleted], [['only.log'], 0, 0]);
      assert.deepEqual(await readdir(dir), ['only.log']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

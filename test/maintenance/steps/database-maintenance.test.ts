import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  databaseMaintenance,
  type IndexComparison,
} from '../../../src/maintenance/steps/database-maintenance/index.js';
import { COMBOS } from '../../support/harness.js';
import { stepContextOf } from '../../support/maintenance.js';
import { stepNodeFixture, queueWith, rawSql } from '../../support/step-node.js';

const DAY = 24 * 3_600_000;

for (const combo of COMBOS) {
  describe(`databaseMaintenance on ${combo.name}`, { skip: combo.skip }, () => {
    const fx = stepNodeFixture(combo);

    it('keeps recent tickets, then folds and deletes ended ones past the retention', async () => {
      const { rt } = fx.node;
      const { queueId } = await queueWith(rt, 5);
      for (let i = 0; i < 2; i++) {
        const t = await rt.service.callNext(queueId, null);
        assert.ok(t);
        await rt.service.act(t.id, 'serve');
      }

      const today = await databaseMaintenance(stepContextOf(fx.node));
      assert.equal(today.status, 'succeeded', JSON.stringify(today.findings));
      assert.equal(today.error, null);
      const f = today.figures as Record<string, any>;
      assert.equal(f.integrity, 'ok');
      assert.equal(f.oldDataRemoved.ticketsRemoved, 0);
      assert.equal(f.oldDataRemoved.retentionDays, fx.node.config.maintenance.ticketRetentionDays);
      assert.ok(Array.isArray(f.statisticsUpdated) && f.statisticsUpdated.includes('tickets'));
      assert.equal(typeof f.optimized.details, 'string');
      assert.ok(f.optimized.bytesReclaimed === null || typeof f.optimized.bytesReclaimed === 'number');
      assert.ok(typeof f.optimized.sizeBytesBefore === 'number' && f.optimized.sizeBytesBefore > 0);
      assert.deepEqual(
        { ...(f.liveIndex as IndexComparison), details: [] },
        { backend: rt.live.kind, mismatches: 0, details: [], attempts: 1 },
      );
      // Checks that could not run (amcheck on a stock PostgreSQL) are reported, but only as info.
      for (const n of f.integrityNotChecked as string[])
        assert.ok(today.findings.some((x) => x.severity === 'info' && x.message.includes(n)));

      const later = new Date(Date.now() + (fx.node.config.maintenance.ticketRetentionDays + 1) * DAY);
      const out = await databaseMaintenance(stepContextOf(fx.node, { now: () => later }));
      assert.equal(out.status, 'succeeded', JSON.stringify(out.findings));
      const removed = (out.figures as Record<string, any>).oldDataRemoved;
      assert.equal(removed.ticketsRemoved, 2);
      assert.equal(removed.aggregatesWritten, 1);
      assert.equal((await rt.store.listTickets(queueId, { limit: 10 })).items.length, 3);
      const agg = await rt.store.maintenance.dailyAggregates('2000-01-01');
      assert.equal(agg.find((a) => a.queueId === queueId)?.served, 2);
    });

    it('measures optimize one way: before, after and the change agree, and none is negative', async () => {
      const sqlite = fx.node.config.database.kind === 'sqlite';
      // SQLite: a dropped table leaves free pages for the incremental vacuum to hand back, and
      // moves them out through the -wal, which the old figures counted as growth. PostgreSQL: a
      // table vacuumed for the first time gains its free-space and visibility maps.
      await queueWith(fx.node.rt, 20);
      if (sqlite)
        await rawSql(fx.node.config, [
          { sql: 'CREATE TABLE scratch_fill (b BLOB)' },
          {
            sql: 'INSERT INTO scratch_fill SELECT randomblob(4096) FROM (SELECT 1 FROM tickets LIMIT 1), (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) SELECT i FROM n)',
          },
          { sql: 'DROP TABLE scratch_fill' },
        ]);
      const out = await databaseMaintenance(stepContextOf(fx.node));
      assert.equal(out.status, 'succeeded', JSON.stringify(out.findings));
      const o = (out.figures as Record<string, any>).optimized;
      assert.equal(typeof o.measure, 'string');
      assert.ok(o.bytesReclaimed >= 0 && o.bytesAdded >= 0, JSON.stringify(o));
      assert.ok(o.bytesReclaimed === 0 || o.bytesAdded === 0, JSON.stringify(o));
      assert.equal(o.sizeBytesBefore - o.sizeBytesAfter, o.bytesReclaimed - o.bytesAdded, JSON.stringify(o));
      if (sqlite)
        assert.ok(o.bytesReclaimed >= 200 * 4096, `the dropped table's pages were reclaimed: ${JSON.stringify(o)}`);
      assert.equal(
        out.findings.some((x) => x.severity === 'info' && x.message.startsWith('the database grew by')),
        o.bytesAdded > 0,
      );
    });

    it('fails when the live index has drifted from the database', async () => {
      const { rt } = fx.node;
      const { queueId, tickets } = await queueWith(rt, 3);
      await rt.live.index.remove(queueId, [tickets[1] as string]);
      try {
        const out = await databaseMaintenance(stepContextOf(fx.node));
        assert.equal(out.status, 'failed');
        const idx = out.figures.liveIndex as IndexComparison;
        assert.equal(idx.mismatches, 2); // the 2nd ticket is gone, so the 3rd sits one place early
        assert.equal(idx.attempts, 3);
        assert.ok(out.findings.some((x) => x.severity === 'error' && x.message.includes(`queue ${queueId}`)));
        assert.equal(out.figures.integrity, 'ok');
      } finally {
        await rt.service.deleteQueue(queueId);
      }
    });

    it('fails on a duplicate ticket number forced into the database', async () => {
      const { queueId, tickets } = await queueWith(fx.node.rt, 2);
      const now = Date.now();
      await rawSql(fx.node.config, [
        { sql: 'DROP INDEX tickets_queue_number_uq' },
        {
          sql: `INSERT INTO tickets (id, queue_id, number, status, priority, seq, token_hash, created_at, called_at, ended_at, updated_at)
                SELECT 't_duplicate', queue_id, number, 'served', priority, seq + 1000, token_hash, created_at, ?, ?, ? FROM tickets WHERE id = ?`,
          params: [now, now, now, tickets[0]],
        },
      ]);
      const out = await databaseMaintenance(stepContextOf(fx.node));
      assert.equal(out.status, 'failed');
      const problems = out.figures.integrity as string[];
      assert.ok(Array.isArray(problems), String(problems));
      assert.ok(
        problems.some((p) => p.includes('duplicate ticket number 1') && p.includes(queueId)),
        problems.join('\n'),
      );
      assert.ok(
        problems.some((p) => p.includes('tickets_queue_number_uq is missing')),
        problems.join('\n'),
      );
      assert.equal(
        out.findings.filter((x) => x.severity === 'error' && x.message.startsWith('integrity:')).length,
        problems.length,
      );
      assert.match(out.error ?? '', /integrity problems/);
    });
  });
}

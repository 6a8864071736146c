import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import pg from 'pg';
import type { RunDocument } from '../../../src/maintenance/types.js';
import { weeklyDatabaseMaintenance } from '../../../src/maintenance/steps/upkeep/index.js';
import type { MetricSample } from '../../../src/store/maintenance-contract.js';
import { COMBOS } from '../../support/harness.js';
import { stepContextOf } from '../../support/maintenance.js';
import { stepNodeFixture, queueWith, rawSql } from '../../support/step-node.js';
import { DAY } from './support.js';
import { OUR_TABLES } from '../../../src/store/kysely/schema.js';

const run = (id: string, at: Date): RunDocument => ({
  id,
  plan: 'weekly',
  trigger: 'schedule',
  scheduledFor: at.toISOString(),
  startedAt: at.toISOString(),
  endedAt: at.toISOString(),
  durationMs: 0,
  status: 'succeeded',
  success: true,
  measuredNothing: false,
  steps: [],
});

const sample = (nodeId: string, at: Date): MetricSample => ({
  nodeId,
  at,
  requests: 1,
  errors: 0,
  avgMs: 1,
  p95Ms: 1,
  p99Ms: 1,
  cpuPercent: 1,
  memoryPercent: 1,
  eventLoopLagP99Ms: 1,
  waitingTotal: 0,
  routes: {},
});

for (const combo of COMBOS) {
  describe(`weeklyDatabaseMaintenance on ${combo.name}`, { skip: combo.skip }, () => {
    const fx = stepNodeFixture(combo);

    it('on a clean system rebuilds every index and removes nothing', async () => {
      await queueWith(fx.node.rt, 3);
      const out = await weeklyDatabaseMaintenance(stepContextOf(fx.node));
      assert.equal(out.status, 'succeeded', JSON.stringify(out.findings));
      const f = out.figures as Record<string, any>;
      assert.equal(f.backend, fx.node.rt.store.kind);
      assert.ok(f.reindex.indexes.includes('tickets_queue_number_uq'), f.reindex.indexes.join());
      assert.equal(f.reindex.rebuilt, f.reindex.indexes.length);
      assert.deepEqual([f.reindex.failed, f.reindex.invalidDropped, f.reindex.invalidKept], [[], 0, []]);
      assert.equal(f.oldDataRemoved.maintenanceRunsRemoved, 0);
      assert.equal(f.oldDataRemoved.metricSamplesRemoved, 0);
      assert.ok(f.statisticsUpdated.includes('tickets'));
      assert.equal(f.storage.bytesReclaimed, f.storage.bytesBefore - f.storage.bytesAfter);
      if (f.bloat.available) assert.equal(f.bloat.tables.length, OUR_TABLES.length);
      else assert.match(f.bloat.reason, /pgstattuple/);
    });

    it('deletes exactly the runs and samples past their retention', async () => {
      const { maintenance } = fx.node.rt.store;
      const cfg = fx.node.config.maintenance;
      const now = Date.now();
      const tag = randomBytes(3).toString('hex');
      for (let i = 0; i < 3; i++)
        await maintenance.insertRun(
          run(`r_old_${tag}_${i}`, new Date(now - (cfg.runRetentionDays + 1 + i) * DAY)),
          'n',
          new Date(),
        );
      for (let i = 0; i < 2; i++)
        await maintenance.insertRun(run(`r_new_${tag}_${i}`, new Date(now - i * DAY)), 'n', new Date());
      for (let i = 0; i < 4; i++)
        await maintenance.insertSample(sample('n', new Date(now - (cfg.sampleRetentionDays + 2 + i) * DAY)));
      await maintenance.insertSample(sample('n', new Date(now - DAY)));
      const counts = await fx.node.rt.store.admin.tableCounts();

      const out = await weeklyDatabaseMaintenance(stepContextOf(fx.node, { now: () => new Date(now) }));
      assert.equal(out.status, 'succeeded', JSON.stringify(out.findings));
      const removed = (out.figures as Record<string, any>).oldDataRemoved;
      assert.equal(removed.maintenanceRunsRemoved, 3);
      assert.equal(removed.metricSamplesRemoved, 4);
      const left = await fx.node.rt.store.admin.tableCounts();
      assert.equal(left.maintenance_runs, (counts.maintenance_runs ?? 0) - 3);
      assert.equal(left.metric_samples, (counts.metric_samples ?? 0) - 4);
      for (let i = 0; i < 2; i++) assert.ok(await maintenance.getRun(`r_new_${tag}_${i}`));
    });

    if (combo.name.startsWith('SQLite')) {
      it('checkpoints the WAL to zero bytes and reports the bytes measured', async () => {
        const { queueId } = await queueWith(fx.node.rt, 1);
        const pad = 'x'.repeat(4000);
        await rawSql(
          fx.node.config,
          Array.from({ length: 300 }, (_, i) => ({
            sql: `UPDATE queues SET settings = ? WHERE id = ?`,
            params: [`{"pad":"${pad}${i}"}`, queueId],
          })),
        );
        const out = await weeklyDatabaseMaintenance(stepContextOf(fx.node));
        const s = (out.figures as Record<string, any>).storage;
        assert.ok(s.parts.wal.before > 0, JSON.stringify(s));
        assert.equal(s.parts.wal.after, 0, JSON.stringify(s));
        assert.equal(s.bytesBefore, s.parts.database.before + s.parts.wal.before);
        assert.equal(s.bytesReclaimed, s.bytesBefore - s.bytesAfter);
        assert.ok(s.details.includes('wal_checkpoint(TRUNCATE) completed'));
      });
    }

    if (combo.name.startsWith('PostgreSQL')) {
      const psql = async <T extends pg.QueryResultRow = pg.QueryResultRow>(text: string): Promise<T[]> => {
        const db = fx.node.config.database;
        assert.equal(db.kind, 'postgres');
        const c = new pg.Client({ connectionString: db.url, options: `-c search_path=${db.schema}` });
        await c.connect();
        try {
          return (await c.query<T>(text)).rows;
        } finally {
          await c.end();
        }
      };
      const invalid = () =>
        psql<{ relname: string }>(
          `SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND NOT i.indisvalid ORDER BY 1`,
        );

      it('drops and counts an INVALID *_ccnew index left by a failed concurrent build; keeps and reports other invalid ones', async () => {
        await queueWith(fx.node.rt, 2); // two tickets of one queue: a unique index on queue_id cannot be built
        await assert.rejects(
          psql('CREATE UNIQUE INDEX CONCURRENTLY tickets_x_ccnew ON tickets (queue_id)'),
          /could not create unique index/,
        );
        await psql('CREATE INDEX tickets_probe ON tickets (created_at)');
        await psql(`UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'tickets_probe'::regclass`);
        assert.deepEqual(
          (await invalid()).map((r) => r.relname),
          ['tickets_probe', 'tickets_x_ccnew'],
        );
        try {
          const out = await weeklyDatabaseMaintenance(stepContextOf(fx.node));
          const r = (out.figures as Record<string, any>).reindex;
          assert.equal(r.invalidDropped, 1);
          assert.deepEqual(r.invalidDroppedNames, ['tickets_x_ccnew']);
          assert.deepEqual(r.invalidKept, ['tickets_probe']);
          assert.ok(!r.indexes.includes('tickets_probe') && r.indexes.includes('tickets_waiting_order'));
          assert.equal(out.status, 'warning', JSON.stringify(out.findings));
          assert.ok(out.findings.some((x) => x.severity === 'warning' && x.message.includes('tickets_x_ccnew')));
          assert.deepEqual(
            (await invalid()).map((x) => x.relname),
            ['tickets_probe'],
          );
        } finally {
          await psql('DROP INDEX IF EXISTS tickets_probe');
        }
      });

      it('estimates bloat with pgstattuple_approx when the extension is installed', async () => {
        const had = (await psql(`SELECT 1 FROM pg_extension WHERE extname = 'pgstattuple'`)).length > 0;
        // Installed into this test's own schema, so that dropping the schema also removes it.
        if (!had)
          await psql('CREATE EXTENSION pgstattuple SCHEMA ' + (fx.node.config.database as { schema: string }).schema);
        try {
          const out = await weeklyDatabaseMaintenance(stepContextOf(fx.node));
          const b = (out.figures as Record<string, any>).bloat;
          assert.equal(b.available, true, JSON.stringify(b));
          assert.match(b.method, /pgstattuple_approx/);
          assert.equal(b.tables.length, OUR_TABLES.length);
          const t = b.tables.find((x: { table: string }) => x.table === 'tickets');
          assert.ok(t.tableBytes > 0 && t.bloatPercent >= 0 && t.bloatPercent <= 100, JSON.stringify(t));
        } finally {
          if (!had) await psql('DROP EXTENSION IF EXISTS pgstattuple');
        }
      });
    }
  });
}

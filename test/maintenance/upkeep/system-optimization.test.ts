import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSystemOptimization, systemOptimization } from '../../../src/maintenance/steps/upkeep/index.js';
import { COMBOS } from '../../support/harness.js';
import { stepContextOf } from '../../support/maintenance.js';
import { stepNodeFixture } from '../../support/step-node.js';
import { skipPrivateRedis, startPrivateRedis } from './support.js';

for (const combo of COMBOS) {
  describe(`systemOptimization on ${combo.name}`, { skip: combo.skip }, () => {
    const fx = stepNodeFixture(combo);

    it('on a clean system optimizes the database, measures resources and says what it could not do', async () => {
      const out = await systemOptimization(stepContextOf(fx.node));
      assert.equal(out.status, 'succeeded', JSON.stringify(out.findings));
      const f = out.figures as Record<string, any>;
      assert.equal(typeof f.database.details, 'string');
      if (fx.node.rt.live.kind === 'memory')
        assert.deepEqual(f.cache, {
          status: 'not_available',
          available: false,
          reason: 'no Redis: the live index is in process',
        });
      else assert.ok(['not_needed', 'purged'].includes(f.cache.status), JSON.stringify(f.cache));
      assert.equal(f.application.available, false);
      assert.ok(out.findings.some((x) => x.severity === 'info' && x.message.includes('services.trimCaches')));
      for (const k of ['cpuUsage', 'memoryUsage', 'diskUsage'])
        assert.ok(f.resources[k] >= 0 && f.resources[k] <= 100, `${k}=${f.resources[k]}`);
      assert.ok(f.resources.disk.totalBytes > 0);
    });

    it('trims in-process caches when the runtime offers it, and warns on a resource past its threshold', async () => {
      let calls = 0;
      const ctx = stepContextOf(fx.node, {
        services: { trimCaches: () => ((calls += 1), 7) },
        maintenance: {
          thresholds: {
            ...fx.node.config.maintenance.thresholds,
            maxCpuPercent: 101,
            maxMemoryPercent: 101,
            maxDiskPercent: 0,
          },
        },
      });
      const out = await systemOptimization(ctx);
      const f = out.figures as Record<string, any>;
      assert.equal(calls, 1);
      assert.deepEqual(f.application, { available: true, entriesDropped: 7 });
      assert.equal(out.status, 'warning');
      assert.ok(
        out.findings.some((x) => x.severity === 'warning' && x.message.startsWith(`disk at ${f.resources.diskUsage}%`)),
      );
    });
  });
}

describe('systemOptimization on a private Redis', { skip: skipPrivateRedis || COMBOS[0]?.skip }, () => {
  const fx = stepNodeFixture(COMBOS[0]!);

  it('purges only where fragmentation says it helps', async () => {
    const r = await startPrivateRedis();
    try {
      const ctx = stepContextOf(fx.node, { live: r.live });
      const calm = (await systemOptimization(ctx)).figures as Record<string, any>;
      assert.equal(calm.cache.status, 'not_needed');
      const forced = (await createSystemOptimization({ ratio: 0, bytes: -1 })(ctx)).figures as Record<string, any>;
      assert.equal(forced.cache.status, 'purged');
      assert.equal(
        forced.cache.fragBytesRecovered,
        forced.cache.before.allocatorFragBytes - forced.cache.after.allocatorFragBytes,
      );
    } finally {
      await r.stop();
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../../src/errors/index.js';
import type { Step } from '../../../src/maintenance/step.js';
import { BACKENDS, quick, registry, suiteEngineNode } from '../../support/maintenance.js';

/** Never finishes and ignores its signal: stopping must not depend on a step's cooperation. */
const stuck: Step = () => new Promise(() => undefined);

for (const backend of BACKENDS) {
  describe(`stopping a node with maintenance in progress, on ${backend.name}`, { skip: backend.skip }, () => {
    const node = suiteEngineNode(
      backend.name,
      { plans: { stuckPlan: { cron: null, steps: ['healthCheck', 'logAnalysis'] } } },
      { steps: registry({ healthCheck: stuck, logAnalysis: quick }), stopGraceMs: 300 },
    );

    it('abandons the current run after the grace and ends queued runs without starting them', async () => {
      const current = await node.m.runNow('stuckPlan');
      const queued = await node.m.runNow('logAnalysis');
      await node.m.stop();

      const a = await node.store.maintenance.getRun(current);
      assert.equal(a?.status, 'interrupted');
      assert.equal(a?.success, false);
      assert.deepEqual(
        a?.steps.map((s) => s.status),
        ['failed', 'skipped'],
      );
      assert.match(a?.steps[0]?.error ?? '', /abandoned/);

      const b = await node.store.maintenance.getRun(queued);
      assert.equal(b?.status, 'interrupted');
      assert.deepEqual(
        b?.steps.map((s) => s.status),
        ['skipped'],
      );
      assert.match(b?.steps[0]?.error ?? '', /not run/);
    });

    it('refuses new runs once stopped', async () => {
      await assert.rejects(
        node.m.runNow('logAnalysis'),
        (e: unknown) => e instanceof AppError && e.code === 'unavailable',
      );
    });
  });
}

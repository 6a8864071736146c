import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../../src/errors/index.js';
import type { Step } from '../../../src/maintenance/step.js';
import { BACKENDS, ok, quick, registry, suiteEngineNode } from '../../support/maintenance.js';

for (const backend of BACKENDS) {
  describe(`runner on ${backend.name}`, { skip: backend.skip }, () => {
    let sawAbort = false;
    const hangs: Step = (ctx) =>
      new Promise((resolve) => {
        // Ignores nothing: resolves only when aborted, to prove the timeout aborts the signal.
        ctx.signal.addEventListener('abort', () => {
          sawAbort = true;
          resolve(ok({ tooLate: true }));
        });
      });
    const throws: Step = async () => {
      throw new Error('disk on fire');
    };

    const node = suiteEngineNode(
      backend.name,
      {
        maintenance: { stepTimeoutSeconds: 0.3 },
        plans: {
          slowPlan: { cron: null, steps: ['healthCheck', 'logAnalysis', 'performance', 'cacheCleanup'] },
          goodPlan: { cron: null, steps: ['logAnalysis', 'performance'] },
        },
      },
      // cacheCleanup is deliberately missing from the registry.
      { steps: registry({ healthCheck: hangs, logAnalysis: quick, performance: throws }) },
    );

    describe('a step that times out', () => {
      it('fails that step with the timeout, aborts its signal, and the plan goes on', async () => {
        const run = await node.m.runAndWait('slowPlan');
        assert.equal(run.status, 'failed');
        assert.equal(run.success, false);
        assert.deepEqual(
          run.steps.map((s) => [s.name, s.status]),
          [
            ['healthCheck', 'failed'],
            ['logAnalysis', 'succeeded'],
            ['performance', 'failed'],
            ['cacheCleanup', 'skipped'],
          ],
        );
        assert.equal(run.steps[0]?.error, 'timed out after 300 ms');
        assert.equal(sawAbort, true);
        assert.equal(run.steps[2]?.error, 'disk on fire');
        assert.equal(run.steps[3]?.error, 'step cacheCleanup is not available in this build');
        assert.equal(typeof run.durationMs, 'number');
        assert.ok(run.endedAt);
        assert.deepEqual(await node.store.maintenance.getRun(run.id), run);
      });
    });

    describe('runNow', () => {
      it('returns an opaque id once the run is stored as running', async () => {
        const id = await node.m.runNow('goodPlan');
        assert.match(id, /^[A-Za-z0-9_-]{1,64}$/);
        const stored = await node.store.maintenance.getRun(id);
        assert.ok(stored);
        assert.equal(stored.trigger, 'manual');
        const done = await node.m.waitFor(id);
        assert.equal(done.status, 'failed');
      });

      it('runs a single step under its own name', async () => {
        const run = await node.m.runAndWait('logAnalysis');
        assert.equal(run.plan, 'logAnalysis');
        assert.equal(run.status, 'succeeded');
        assert.equal(run.success, true);
        assert.deepEqual(
          run.steps.map((s) => s.name),
          ['logAnalysis'],
        );
      });

      it('counts a skipped step as not failed, but says why it was skipped', async () => {
        const run = await node.m.runAndWait('cacheCleanup');
        assert.equal(run.success, true);
        assert.equal(run.status, 'succeeded', 'no step failed: the contract rule');
        assert.equal(run.measuredNothing, true, 'a run whose only step was skipped measured nothing');
        assert.equal(run.steps[0]?.status, 'skipped');
        assert.match(run.steps[0]?.error ?? '', /not available in this build/);
      });

      it('rejects an unknown plan or step with not_found', async () => {
        await assert.rejects(
          node.m.runNow('noSuchThing'),
          (e: unknown) => e instanceof AppError && e.code === 'not_found',
        );
        await assert.rejects(
          node.m.waitFor('run_doesNotExist'),
          (e: unknown) => e instanceof AppError && e.code === 'not_found',
        );
      });
    });
  });
}

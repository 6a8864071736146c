import assert from 'node:assert/strict';
import { afterEach, describe, it, mock } from 'node:test';
import { TICK_MS } from '../../../src/maintenance/engine/index.js';
import { newRunDocument } from '../../../src/maintenance/engine/runner.js';
import type { Step } from '../../../src/maintenance/step.js';
import type { MaintenanceStore, SlotOutcome } from '../../../src/store/maintenance-contract.js';
import { BACKENDS, engineSuite, eventually, ok, quick, registry, testClock } from '../../support/maintenance.js';

/** A step that runs until the test lets it finish (or the run is abandoned). */
function gate(): { step: Step; release(): void } {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  return {
    step: async (ctx) => {
      await Promise.race([done, new Promise((r) => ctx.signal.addEventListener('abort', r))]);
      return ok();
    },
    release,
  };
}

/** Fires the scheduler's tick until the slot at `iso` has an outcome; returns it. */
async function outcomeOf(m: MaintenanceStore, plan: string, iso: string): Promise<SlotOutcome> {
  return eventually(
    async () => {
      mock.timers.tick(TICK_MS);
      return (await m.listSlots(plan, new Date(0))).find((s) => s.slot.toISOString() === iso)?.outcome;
    },
    10_000,
    `the slot ${iso}`,
  );
}

for (const backend of BACKENDS) {
  describe(`no overlapping runs of a plan, on ${backend.name}`, { skip: backend.skip }, () => {
    const suite = engineSuite(backend.name);
    afterEach(() => mock.timers.reset());

    it('records skipped_overlap while the previous run of the plan is still going', async () => {
      const clock = testClock('2026-02-02T09:00:00.500Z');
      const slow = gate();
      const config = suite.config({ plans: { slowPlan: { cron: '* * * * * *', steps: ['healthCheck'] } } });
      mock.timers.enable({ apis: ['setInterval'] });
      const node = await suite.open(config, {
        steps: registry({ healthCheck: slow.step }),
        nodeId: 'solo',
        now: clock.now,
      });
      await node.m.start();
      const m = node.store.maintenance;

      clock.advance(1000);
      assert.equal(await outcomeOf(m, 'slowPlan', '2026-02-02T09:00:01.000Z'), 'run');
      clock.advance(1000);
      assert.equal(await outcomeOf(m, 'slowPlan', '2026-02-02T09:00:02.000Z'), 'skipped_overlap');
      slow.release();
      await eventually(async () => !(await m.runningRun('slowPlan')), 10_000, 'the slow run to end');
      clock.advance(1000);
      assert.equal(await outcomeOf(m, 'slowPlan', '2026-02-02T09:00:03.000Z'), 'run');
      await node.m.stop();

      const runs = (await m.listRuns({ plan: 'slowPlan', limit: 100 })).items.sort((a, b) =>
        a.startedAt.localeCompare(b.startedAt),
      );
      assert.equal(runs.length, 2);
      assert.ok(runs[0]!.endedAt! <= runs[1]!.startedAt, 'the second run started after the first ended');
    });

    it('records skipped_overlap while another node runs the plan', async () => {
      const clock = testClock('2026-02-02T10:00:00.500Z');
      // heartbeat 20 s: the other node's run stays alive for the whole test without heartbeats.
      const config = suite.config({
        maintenance: { heartbeatSeconds: 20 },
        plans: { guarded: { cron: '* * * * * *', steps: ['healthCheck'] } },
      });
      mock.timers.enable({ apis: ['setInterval'] });
      const node = await suite.open(config, {
        steps: registry({ healthCheck: quick }),
        nodeId: 'second',
        now: clock.now,
      });
      const target = { plan: 'guarded', steps: ['healthCheck'], priority: 'high' as const };
      const m = node.store.maintenance;
      await m.insertRun(
        newRunDocument('run_elsewhere', target, 'manual', null, clock.now()),
        'other-node',
        clock.now(),
      );
      await node.m.start();
      for (const second of ['01', '02']) {
        clock.advance(1000);
        assert.equal(await outcomeOf(m, 'guarded', `2026-02-02T10:00:${second}.000Z`), 'skipped_overlap');
      }
      await node.m.stop();
      assert.deepEqual(
        (await m.listRuns({ plan: 'guarded', limit: 10 })).items.map((r) => r.id),
        ['run_elsewhere'],
      );
    });
  });
}

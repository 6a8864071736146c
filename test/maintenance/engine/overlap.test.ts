import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newRunDocument } from '../../../src/maintenance/engine/runner.js';
import type { Step } from '../../../src/maintenance/step.js';
import {
  BACKENDS,
  eventually,
  isolate,
  makeConfig,
  ok,
  openNode,
  quick,
  registry,
  sleep,
  type Isolated,
  type Node,
} from './helpers.js';

/** Outlasts two one-second slots, but stops early if aborted. */
const slow: Step = (ctx) =>
  new Promise((resolve) => {
    const t = setTimeout(() => resolve(ok()), 2200);
    ctx.signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve(ok());
    });
  });

for (const backend of BACKENDS) {
  describe(`no overlapping runs of a plan, on ${backend.name}`, { skip: backend.skip }, () => {
    let iso: Isolated;
    const nodes: Node[] = [];

    before(async () => {
      iso = await isolate(backend.name);
    });
    after(async () => {
      for (const n of nodes) await n.close();
      await iso?.cleanup();
    });

    it('records skipped_overlap while the previous run of the plan is still going', async () => {
      const config = makeConfig(iso, { plans: { slowPlan: { cron: '* * * * * *', steps: ['healthCheck'] } } });
      const node = await openNode(config, { steps: registry({ healthCheck: slow }), nodeId: 'solo' });
      nodes.push(node);
      await node.m.start();
      const m = node.store.maintenance;
      await eventually(
        async () => (await m.listSlots('slowPlan', new Date(0))).some((s) => s.outcome === 'skipped_overlap'),
        10_000,
        'a skipped_overlap slot',
      );
      await node.m.stop();

      const slots = await m.listSlots('slowPlan', new Date(0));
      const runs = (await m.listRuns({ plan: 'slowPlan', limit: 100 })).items.sort((a, b) =>
        a.startedAt.localeCompare(b.startedAt),
      );
      assert.equal(runs.length, slots.filter((s) => s.outcome === 'run').length);
      for (let i = 1; i < runs.length; i++)
        assert.ok(
          runs[i - 1]!.endedAt! <= runs[i]!.startedAt,
          `run ${runs[i]!.id} started before ${runs[i - 1]!.id} ended`,
        );
    });

    it('records skipped_overlap while another node runs the plan', async () => {
      // heartbeat 20 s: the other node's run stays alive for the whole test without heartbeats.
      const config = makeConfig(iso, {
        maintenance: { heartbeatSeconds: 20 },
        plans: { guarded: { cron: '* * * * * *', steps: ['healthCheck'] } },
      });
      const node = await openNode(config, { steps: registry({ healthCheck: quick }), nodeId: 'second' });
      nodes.push(node);
      const now = new Date();
      await node.store.maintenance.insertRun(
        newRunDocument(
          'run_elsewhere',
          { plan: 'guarded', steps: ['healthCheck'], priority: 'high' },
          'manual',
          null,
          now,
        ),
        'other-node',
        now,
      );
      await node.m.start();
      await sleep(2500);
      await node.m.stop();
      const slots = await node.store.maintenance.listSlots('guarded', new Date(0));
      assert.ok(slots.length >= 1);
      assert.deepEqual([...new Set(slots.map((s) => s.outcome))], ['skipped_overlap']);
      assert.deepEqual(
        (await node.store.maintenance.listRuns({ plan: 'guarded', limit: 10 })).items.map((r) => r.id),
        ['run_elsewhere'],
      );
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, it, mock } from 'node:test';
import type { Config } from '../../../src/config/index.js';
import { TICK_MS } from '../../../src/maintenance/engine/index.js';
import { newRunDocument } from '../../../src/maintenance/engine/runner.js';
import type { Store } from '../../../src/store/contract.js';
import {
  BACKENDS,
  eventually,
  isolate,
  makeConfig,
  openNode,
  quick,
  registry,
  testClock,
  type Isolated,
  type Node,
} from '../../support/maintenance.js';

const steps = registry({ healthCheck: quick });
const target = (plan: string) => ({ plan, steps: ['healthCheck'], priority: 'high' as const });

/** The nodes' clock: the test moves it, and fires their timers, instead of waiting for heartbeats. */
const clock = testClock('2026-02-02T11:00:00.500Z');

/** A run left `running` by a node, with its last heartbeat `ageMs` ago. */
async function leftRunning(store: Store, id: string, plan: string, nodeId: string, ageMs: number): Promise<void> {
  const then = new Date(clock.now().getTime() - ageMs);
  await store.maintenance.insertRun(newRunDocument(id, target(plan), 'schedule', then, then), nodeId, then);
}

for (const backend of BACKENDS) {
  describe(`runs of a node that died, on ${backend.name}`, { skip: backend.skip }, () => {
    let iso: Isolated;
    let config: Config;
    const nodes: Node[] = [];

    before(async () => {
      mock.timers.enable({ apis: ['setInterval'] });
      iso = await isolate(backend.name);
      // heartbeat 1 s: a run is stale after 3 s without one.
      config = makeConfig(iso, {
        plans: {
          ticker: { cron: '* * * * * *', steps: ['healthCheck'] },
          other: { cron: null, steps: ['healthCheck'] },
          three: { cron: null, steps: ['healthCheck', 'performance', 'databaseMaintenance'] },
        },
      });
    });
    after(async () => {
      mock.timers.reset();
      for (const n of nodes) await n.close();
      await iso?.cleanup();
    });

    it('become interrupted when a node starts, and stop blocking their plan', async () => {
      const node = await openNode(config, { steps, nodeId: 'survivor', now: clock.now });
      nodes.push(node);
      await leftRunning(node.store, 'run_dead1', 'ticker', 'dead-node', 60_000);
      await leftRunning(node.store, 'run_alive1', 'other', 'live-node', 0);
      await node.m.start();

      const dead = await node.store.maintenance.getRun('run_dead1');
      assert.equal(dead?.status, 'interrupted');
      assert.equal(dead?.success, false);
      assert.ok(dead?.endedAt);
      assert.equal(
        (await node.store.maintenance.getRun('run_alive1'))?.status,
        'running',
        'a run with a fresh heartbeat is left alone',
      );

      clock.advance(1000);
      const ran = await eventually(
        async () => {
          mock.timers.tick(TICK_MS);
          return (await node.store.maintenance.listSlots('ticker', new Date(0))).find((s) => s.outcome === 'run');
        },
        10_000,
        'a ticker slot to run',
      );
      assert.equal(ran.nodeId, 'survivor');
    });

    it('are interrupted by a node with the scheduler off too', async () => {
      const off = makeConfig(iso, {
        plans: {
          other: { cron: null, steps: ['healthCheck'] },
          three: { cron: null, steps: ['healthCheck', 'performance', 'databaseMaintenance'] },
        },
        env: { QK_SCHEDULER: 'off' },
      });
      const node = await openNode(off, { steps, nodeId: 'watcher', now: clock.now });
      nodes.push(node);
      await leftRunning(node.store, 'run_dead2', 'other', 'dead-node', 60_000);
      await node.m.start();
      assert.equal((await node.store.maintenance.getRun('run_dead2'))?.status, 'interrupted');
    });

    it('list the steps the dead node never reported as skipped, saying why', async () => {
      const node = nodes[1]!;
      const then = new Date(clock.now().getTime() - 60_000);
      const started = newRunDocument('run_dead4', { ...target('three'), steps: [] }, 'schedule', then, then);
      await node.store.maintenance.insertRun(started, 'dead-node', then);
      // The node finished healthCheck, stored that progress, and died during performance.
      const measured = {
        name: 'healthCheck',
        status: 'succeeded' as const,
        durationMs: 5,
        figures: {},
        findings: [],
        error: null,
      };
      await node.store.maintenance.updateRun({ ...started, steps: [measured] });
      clock.advance(1000);
      const doc = await eventually(
        async () => {
          mock.timers.tick(TICK_MS);
          const d = await node.store.maintenance.getRun('run_dead4');
          return d?.status === 'interrupted' ? d : undefined;
        },
        10_000,
        'the stale run to be interrupted',
      );
      assert.deepEqual(
        doc.steps.map((x) => [x.name, x.status]),
        [
          ['healthCheck', 'succeeded'],
          ['performance', 'skipped'],
          ['databaseMaintenance', 'skipped'],
        ],
      );
      assert.match(doc.steps[1]?.error ?? '', /not finished: the node running this run stopped/);
      assert.match(doc.steps[2]?.error ?? '', /not run: the node running this run stopped before reaching this step/);
      assert.deepEqual([doc.success, doc.measuredNothing], [false, false]);
    });

    it('are interrupted while the node runs, not only at start', async () => {
      const node = nodes[1]!;
      await leftRunning(node.store, 'run_dead3', 'other', 'dead-node', 60_000);
      // Past one heartbeat, the node looks for stale runs again.
      clock.advance(1000);
      const doc = await eventually(
        async () => {
          mock.timers.tick(TICK_MS);
          const d = await node.store.maintenance.getRun('run_dead3');
          return d?.status === 'interrupted' ? d : undefined;
        },
        10_000,
        'the stale run to be interrupted',
      );
      assert.equal(doc.success, false);
    });
  });
}

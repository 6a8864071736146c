import assert from 'node:assert/strict';
import { after, before, describe, it, mock } from 'node:test';
import { TICK_MS } from '../../../src/maintenance/engine/index.js';
import type { RunDocument } from '../../../src/maintenance/types.js';
import { skipPg } from '../../support/env.js';
import { engineSuite, eventually, quick, registry, testClock, type Node } from '../../support/maintenance.js';

const PLAN = 'everySecond';
const SECONDS = 10;
const steps = registry({ healthCheck: quick });

/**
 * The nodes share a clock the test moves one second at a time, and their scheduler timers are
 * mocked: every tick fires on both scheduler nodes at once, so each slot is contended.
 */
describe('two scheduler nodes on one PostgreSQL database', { skip: skipPg }, () => {
  const suite = engineSuite('postgres');
  const nodes: Node[] = [];
  const clock = testClock('2026-02-02T08:00:00.500Z');

  before(async () => {
    const plans = { [PLAN]: { cron: '* * * * * *', steps: ['healthCheck'], priority: 'high' as const } };
    const on = suite.config({ plans });
    const off = suite.config({ plans, env: { QK_SCHEDULER: 'off' } });
    mock.timers.enable({ apis: ['setInterval'] });
    // Each node has its own Store, so its own connection pool, as separate processes would.
    for (const [config, nodeId] of [
      [on, 'node-a'],
      [on, 'node-b'],
      [off, 'node-off'],
    ] as const)
      nodes.push(await suite.open(config, { steps, nodeId, now: clock.now }));
    for (const n of nodes) await n.m.start();
    const m = nodes[0]!.store.maintenance;
    for (let second = 1; second <= SECONDS; second++) {
      clock.advance(1000);
      await eventually(
        async () => {
          // Ticks that find a node still busy with the previous one are dropped, so tick again.
          mock.timers.tick(TICK_MS);
          const runs = (await m.listRuns({ plan: PLAN, limit: 100 })).items;
          return runs.length === second && runs.every((r) => r.status !== 'running');
        },
        15_000,
        `the slot of second ${second}`,
      );
    }
    await Promise.all(nodes.map((n) => n.m.stop()));
    mock.timers.reset();
  });
  after(() => mock.timers.reset());

  it('runs every slot of the period exactly once', async (t) => {
    const store = nodes[0]!.store.maintenance;
    const slots = await store.listSlots(PLAN, new Date(0));
    const runs: RunDocument[] = (await store.listRuns({ plan: PLAN, limit: 500 })).items;
    assert.deepEqual(
      slots.map((s) => [s.slot.toISOString(), s.outcome]),
      Array.from({ length: SECONDS }, (_, i) => [`2026-02-02T08:00:${String(i + 1).padStart(2, '0')}.000Z`, 'run']),
    );
    const bySlot = new Map<string, RunDocument[]>();
    for (const r of runs) bySlot.set(r.scheduledFor ?? 'none', [...(bySlot.get(r.scheduledFor ?? 'none') ?? []), r]);
    for (const s of slots) {
      const ran = bySlot.get(s.slot.toISOString()) ?? [];
      assert.equal(ran.length, 1, `slot ${s.slot.toISOString()} ran ${ran.length} times`);
      assert.equal(ran[0]!.id, s.runId);
      assert.equal(ran[0]!.trigger, 'schedule');
      assert.equal(ran[0]!.status, 'succeeded');
    }
    assert.equal(runs.length, slots.length, 'no run without a claimed slot');
    const byNode = new Map<string, number>();
    for (const s of slots) byNode.set(s.nodeId, (byNode.get(s.nodeId) ?? 0) + 1);
    t.diagnostic(`slots claimed per node: ${JSON.stringify(Object.fromEntries(byNode))}`);
  });

  it('never lets a node with the scheduler off claim a slot', async () => {
    const slots = await nodes[0]!.store.maintenance.listSlots(PLAN, new Date(0));
    assert.ok(slots.every((s) => s.nodeId === 'node-a' || s.nodeId === 'node-b'));
    assert.ok(!slots.some((s) => s.nodeId === 'node-off'));
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TICK_MS } from '../../../src/maintenance/engine/index.js';
import type { RunDocument } from '../../../src/maintenance/types.js';
import { skipPg } from '../../support/env.js';
import { isolate, makeConfig, openNode, quick, registry, sleep, type Isolated, type Node } from './helpers.js';

const PLAN = 'everySecond';
const steps = registry({ healthCheck: quick });

describe('two scheduler nodes on one PostgreSQL database', { skip: skipPg }, () => {
  let iso: Isolated;
  const nodes: Node[] = [];
  let started: Date;
  let stopped: Date;

  before(async () => {
    iso = await isolate('postgres');
    const plans = { [PLAN]: { cron: '* * * * * *', steps: ['healthCheck'], priority: 'high' as const } };
    const on = makeConfig(iso, { plans });
    const off = makeConfig(iso, { plans, env: { QK_SCHEDULER: 'off' } });
    // Each node has its own Store, so its own connection pool, as separate processes would.
    for (const [config, nodeId] of [
      [on, 'node-a'],
      [on, 'node-b'],
      [off, 'node-off'],
    ] as const)
      nodes.push(await openNode(config, { steps, nodeId }));
    started = new Date();
    // Half a tick apart, so that either node may be first after a slot comes due.
    for (const n of nodes) {
      await n.m.start();
      await sleep(TICK_MS / 2);
    }
    await sleep(11_000);
    await Promise.all(nodes.map((n) => n.m.stop()));
    stopped = new Date();
  });
  after(async () => {
    for (const n of nodes) await n.close();
    await iso?.cleanup();
  });

  it('runs every slot of the period exactly once', async (t) => {
    const store = nodes[0]!.store.maintenance;
    const slots = await store.listSlots(PLAN, new Date(started.getTime() - 2000));
    const runs: RunDocument[] = (await store.listRuns({ plan: PLAN, limit: 500 })).items;
    const times = slots.map((s) => s.slot.getTime());
    assert.ok(slots.length >= 9, `expected about 11 slots, got ${slots.length}`);
    // No gaps: consecutive seconds from the first claimed slot to the last.
    for (let i = 1; i < times.length; i++)
      assert.equal(times[i]! - times[i - 1]!, 1000, `gap after ${new Date(times[i - 1]!).toISOString()}`);
    assert.ok(times[0]! <= started.getTime() + 2000, 'the first slot after start was claimed');
    assert.ok(times.at(-1)! >= stopped.getTime() - 3000, 'slots were claimed until the nodes stopped');
    assert.deepEqual(
      slots.map((s) => s.outcome),
      slots.map(() => 'run'),
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

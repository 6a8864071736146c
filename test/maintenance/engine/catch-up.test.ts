import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Config } from '../../../src/config/index.js';
import { BACKENDS, engineSuite, eventually, quick, registry, type Node } from '../../support/maintenance.js';

/** The clock of the restarted cluster: half past ten, 30 s after a minute slot. */
const NOW = new Date('2026-01-15T10:30:30Z');
const at = (iso: string) => new Date(iso);
const steps = registry({ healthCheck: quick });

for (const backend of BACKENDS) {
  describe(`catch-up after every node was down, on ${backend.name}`, { skip: backend.skip }, () => {
    const suite = engineSuite(backend.name);
    let config: Config;
    let first: Node;

    before(async () => {
      config = suite.config({
        plans: {
          hourly: { cron: '0 * * * *', steps: ['healthCheck'], priority: 'high' },
          early: { cron: '0 6 * * *', steps: ['healthCheck'], priority: 'medium' },
          busy: { cron: '0 * * * * *', steps: ['healthCheck'], priority: 'low' },
          brandNew: { cron: '0 * * * *', steps: ['healthCheck'], priority: 'low' },
        },
      });
      first = await suite.open(config, { steps, now: () => NOW, nodeId: 'restarted' });
      // What the cluster left behind before it went down: its schedule and the last slots it claimed.
      const m = first.store.maintenance;
      const created = at('2026-01-10T00:00:00Z');
      await m.saveScheduledTasks(
        config.maintenance.plans
          .filter((p) => p.enabled && p.cron !== null && p.name !== 'brandNew')
          .map((p) => ({
            name: p.name,
            type: 'plan',
            schedule: p.cron,
            timezone: p.timezone,
            priority: p.priority,
            enabled: true,
            createdAt: created,
            lastRun: null,
            nextRun: null,
          })),
      );
      await m.claimSlot('hourly', at('2026-01-15T07:00:00Z'), 'run', null, 'dead-node', at('2026-01-15T07:00:00Z'));
      await m.claimSlot('early', at('2026-01-14T06:00:00Z'), 'run', null, 'dead-node', at('2026-01-14T06:00:00Z'));
      await m.claimSlot('busy', at('2026-01-13T10:30:00Z'), 'run', null, 'dead-node', at('2026-01-13T10:30:00Z'));
      await first.m.start();
      await eventually(
        async () => {
          const runs = (await m.listRuns({ limit: 10 })).items;
          return runs.length === 2 && runs.every((r) => r.status === 'succeeded');
        },
        15_000,
        'the catch-up runs',
      );
    });

    it('runs the most recent missed slot once, as catch_up, when it is within the deadline', async () => {
      const m = first.store.maintenance;
      const slots = await m.listSlots('hourly', at('2026-01-15T00:00:00Z'));
      assert.deepEqual(
        slots.map((s) => [s.slot.toISOString(), s.outcome]),
        [
          ['2026-01-15T07:00:00.000Z', 'run'],
          ['2026-01-15T08:00:00.000Z', 'missed'],
          ['2026-01-15T09:00:00.000Z', 'missed'],
          ['2026-01-15T10:00:00.000Z', 'run'],
        ],
      );
      const runs = (await m.listRuns({ plan: 'hourly', limit: 10 })).items;
      assert.equal(runs.length, 1);
      assert.equal(runs[0]!.trigger, 'catch_up');
      assert.equal(runs[0]!.scheduledFor, '2026-01-15T10:00:00.000Z');
      assert.equal(runs[0]!.id, slots[3]!.runId);
    });

    it('records a slot older than the deadline as missed and does not run it', async () => {
      const m = first.store.maintenance;
      const slots = await m.listSlots('early', at('2026-01-15T00:00:00Z'));
      assert.deepEqual(
        slots.map((s) => [s.slot.toISOString(), s.outcome]),
        [['2026-01-15T06:00:00.000Z', 'missed']],
      );
      assert.equal((await m.listRuns({ plan: 'early', limit: 10 })).items.length, 0);
    });

    it('records at most the latest 100 missed slots of a long outage', async () => {
      const m = first.store.maintenance;
      const slots = await m.listSlots('busy', at('2026-01-13T10:30:01Z'));
      const missed = slots.filter((s) => s.outcome === 'missed');
      assert.equal(missed.length, 100);
      assert.equal(missed[0]!.slot.toISOString(), '2026-01-15T08:50:00.000Z');
      assert.equal(missed.at(-1)!.slot.toISOString(), '2026-01-15T10:29:00.000Z');
      assert.deepEqual(
        slots.filter((s) => s.outcome === 'run').map((s) => s.slot.toISOString()),
        ['2026-01-15T10:30:00.000Z'],
      );
      const runs = (await m.listRuns({ plan: 'busy', limit: 10 })).items;
      assert.deepEqual(
        runs.map((r) => r.trigger),
        ['catch_up'],
      );
    });

    it('has nothing to make up for a plan it has never scheduled', async () => {
      assert.equal((await first.store.maintenance.listSlots('brandNew', new Date(0))).length, 0);
    });

    it('does not run a caught-up slot again when another node starts', async () => {
      const second = await suite.open(config, { steps, now: () => NOW, nodeId: 'second' });
      await second.m.start();
      await second.m.stop();
      const runs = (await second.store.maintenance.listRuns({ limit: 10 })).items;
      assert.equal(runs.length, 2);
      const slots = await second.store.maintenance.listSlots('hourly', new Date(0));
      assert.ok(slots.every((s) => s.nodeId !== 'second'));
    });
  });
}

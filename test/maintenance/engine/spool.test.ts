import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseDatabase } from '../../../src/config/index.js';
import { newRunDocument } from '../../../src/maintenance/engine/runner.js';
import { RunSpool } from '../../../src/maintenance/engine/spool.js';
import type { RunDocument } from '../../../src/maintenance/types.js';
import type { Store } from '../../../src/store/contract.js';
import { openStore } from '../../../src/store/open.js';
import { BACKENDS, isolate, makeConfig, type Isolated } from '../../support/maintenance.js';

const NOW = new Date('2026-02-02T12:00:00Z');
const target = { plan: 'daily', steps: ['healthCheck'], priority: 'high' as const };

/** A finished run document, as the runner would spool it. */
function finished(id: string, trigger: RunDocument['trigger'], scheduledFor: Date | null): RunDocument {
  const doc = newRunDocument(id, target, trigger, scheduledFor, NOW);
  return { ...doc, status: 'failed', success: false, endedAt: NOW.toISOString(), durationMs: 5 };
}

for (const backend of BACKENDS) {
  describe(`the run spool, on ${backend.name}`, { skip: backend.skip }, () => {
    let iso: Isolated;
    let store: Store;
    let spool: RunSpool;
    const files = () => readdirSync(join(iso.dir, 'spool')).sort();

    before(async () => {
      iso = await isolate(backend.name);
      store = openStore(makeConfig(iso).database);
      await store.migrate();
      spool = new RunSpool(join(iso.dir, 'spool'));
    });
    after(async () => {
      await store?.close();
      await iso?.cleanup();
    });

    it('stores spooled runs, claims a scheduled run’s slot, and empties itself', async () => {
      const slot = new Date('2026-02-02T11:00:00Z');
      const scheduled = finished('run_sched', 'schedule', slot);
      const manual = finished('run_manual', 'manual', null);
      // A run the database saw start before it went away: its final document replaces the running one.
      const started = newRunDocument('run_started', target, 'manual', null, NOW);
      await store.maintenance.insertRun(started, 'node-x', NOW);
      const ended = { ...finished('run_started', 'manual', null), steps: [] };
      for (const doc of [scheduled, manual, ended]) await spool.put({ doc, nodeId: 'node-x' });
      assert.equal(await spool.get('run_manual').then((d) => d?.id), 'run_manual');

      assert.equal(await spool.replay(store.maintenance, NOW, () => assert.fail('nothing is refused')), 3);
      for (const doc of [scheduled, manual, ended]) assert.deepEqual(await store.maintenance.getRun(doc.id), doc);
      assert.deepEqual(
        (await store.maintenance.listSlots('daily', new Date(0))).map((s) => [s.slot.toISOString(), s.runId]),
        [[slot.toISOString(), 'run_sched']],
      );
      assert.deepEqual(files(), []);
      assert.equal(await spool.replay(store.maintenance, NOW, () => undefined), 0, 'a second replay has nothing to do');
    });

    it('records the real result of a run another node marked interrupted meanwhile', async () => {
      // Node x started the run, then lost the database; node y saw its heartbeat stop.
      const started = newRunDocument('run_cut_off', target, 'manual', null, NOW);
      await store.maintenance.insertRun(started, 'node-x', NOW);
      const later = new Date(NOW.getTime() + 60_000);
      assert.deepEqual(await store.maintenance.interruptStale(later, later, () => []), ['run_cut_off']);
      const real = { ...finished('run_cut_off', 'manual', null), status: 'succeeded' as const, success: true };
      await spool.put({ doc: real, nodeId: 'node-x' });

      const superseded: string[] = [];
      const replay = spool.replay(
        store.maintenance,
        later,
        () => assert.fail('nothing is refused'),
        (id) => superseded.push(id),
      );
      assert.equal(await replay, 1);
      assert.deepEqual(await store.maintenance.getRun('run_cut_off'), real);
      assert.deepEqual(superseded, ['run_cut_off']);
      assert.deepEqual(files(), []);
    });

    it('keeps a document the database refuses aside and stores the others', async () => {
      const bad = { ...finished('run_bad', 'manual', null), startedAt: 'not a time' };
      await spool.put({ doc: bad, nodeId: 'node-x' });
      await spool.put({ doc: finished('run_good', 'manual', null), nodeId: 'node-x' });
      const refused: string[] = [];
      assert.equal(await spool.replay(store.maintenance, NOW, (id) => refused.push(id)), 1);
      assert.deepEqual(refused, ['run_bad']);
      assert.deepEqual(files(), ['run_bad.json.rejected']);
      assert.ok(await store.maintenance.getRun('run_good'));
    });
  });
}

describe('the run spool while the database is away', () => {
  it('keeps every run and rejects, to try again later', async () => {
    const iso = await isolate('sqlite');
    const away = openStore(parseDatabase('postgres://postgres@127.0.0.1:1/none?schema=gone', iso.dir));
    try {
      const spool = new RunSpool(join(iso.dir, 'spool'));
      await spool.put({ doc: finished('run_kept', 'manual', null), nodeId: 'node-x' });
      await assert.rejects(
        spool.replay(away.maintenance, NOW, () => assert.fail('an outage is not a refusal')),
        (e: unknown) => (e as { code?: string }).code === 'unavailable',
      );
      assert.deepEqual(readdirSync(join(iso.dir, 'spool')), ['run_kept.json']);
    } finally {
      await away.close();
      await iso.cleanup();
    }
  });
});

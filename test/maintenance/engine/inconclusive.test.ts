import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { Step } from '../../../src/maintenance/step.js';
import {
  BACKENDS,
  isolate,
  makeConfig,
  openNode,
  quick,
  registry,
  type Isolated,
  type Node,
} from '../../support/maintenance.js';

const skips: Step = async () => ({ status: 'skipped', figures: {}, findings: [], error: 'nothing to compare yet' });
const warns: Step = async () => ({
  status: 'warning',
  figures: {},
  findings: [{ severity: 'warning', message: 'disk at 85 %' }],
});

for (const backend of BACKENDS) {
  describe(`a run that measured nothing, on ${backend.name}`, { skip: backend.skip }, () => {
    let iso: Isolated;
    let node: Node;
    const alerted: string[] = [];

    before(async () => {
      iso = await isolate(backend.name);
      const config = makeConfig(iso, {
        plans: {
          allSkipped: { cron: null, steps: ['capacityPlanning', 'performanceReview'] },
          oneMeasured: { cron: null, steps: ['capacityPlanning', 'performance'] },
          oneWarned: { cron: null, steps: ['capacityPlanning', 'systemCleanup'] },
        },
      });
      node = await openNode(config, {
        steps: registry({
          capacityPlanning: skips,
          performanceReview: skips,
          performance: quick,
          systemCleanup: warns,
        }),
        alerts: { runFailed: (run) => void alerted.push(`${run.plan}:${run.status}`), flush: async () => undefined },
      });
    });
    after(async () => {
      await node?.close();
      await iso?.cleanup();
    });

    it('is stored as inconclusive, not as succeeded, and alerts', async () => {
      const run = await node.m.runAndWait('allSkipped');
      assert.equal(run.status, 'inconclusive');
      assert.equal(run.success, true, 'no step failed: the contract rule for success holds');
      assert.equal((await node.store.maintenance.getRun(run.id))?.status, 'inconclusive');
      assert.deepEqual(alerted, ['allSkipped:inconclusive']);
    });

    it('succeeds as soon as one step measured something', async () => {
      assert.equal((await node.m.runAndWait('oneMeasured')).status, 'succeeded');
      assert.equal((await node.m.runAndWait('oneWarned')).status, 'succeeded');
      assert.deepEqual(alerted, ['allSkipped:inconclusive']);
    });
  });
}

describe('the command line', () => {
  it('exits 3 when the maintenance run measured nothing', async () => {
    const iso = await isolate('sqlite');
    try {
      // Logging off and a fresh data dir: logAnalysis has no line to read and skips, by its rule.
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', 'maintenance', 'run', 'logAnalysis', '--json'],
        {
          env: {
            PATH: process.env.PATH ?? '',
            LOG_LEVEL: 'silent',
            QK_DATA_DIR: iso.dir,
            PORT: '1',
            QK_BASE_URL: 'http://127.0.0.1:1',
          },
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
      const doc = JSON.parse(r.stdout);
      assert.deepEqual(
        doc.steps.map((s: { status: string }) => s.status),
        ['skipped'],
        r.stdout,
      );
      assert.equal(doc.status, 'inconclusive');
      assert.equal(r.status, 3);
    } finally {
      await iso.cleanup();
    }
  });
});

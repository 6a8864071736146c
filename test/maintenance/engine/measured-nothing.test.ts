import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { renderHtml, renderMarkdown } from '../../../src/maintenance/report/index.js';
import type { Step } from '../../../src/maintenance/step.js';
import type { RunDocument } from '../../../src/maintenance/types.js';
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
        alerts: {
          runFailed: (run) => void alerted.push(`${run.plan}:${run.status}${run.measuredNothing ? ':nothing' : ''}`),
          flush: async () => undefined,
        },
      });
    });
    after(async () => {
      await node?.close();
      await iso?.cleanup();
    });

    it('succeeds by the contract rule, says it measured nothing, and alerts', async () => {
      const run = await node.m.runAndWait('allSkipped');
      assert.equal(run.status, 'succeeded');
      assert.equal(run.success, true, 'no step failed: the contract rule for success holds');
      assert.equal(run.measuredNothing, true);
      const stored = await node.store.maintenance.getRun(run.id);
      assert.deepEqual([stored?.status, stored?.measuredNothing], ['succeeded', true]);
      assert.deepEqual(alerted, ['allSkipped:succeeded:nothing']);
      assert.match(renderMarkdown(run), /\(succeeded, measured nothing\)/);
      assert.match(renderHtml(run), /measured nothing<\/span>/);
    });

    it('measured something as soon as one step did, and then does not alert', async () => {
      for (const plan of ['oneMeasured', 'oneWarned']) {
        const run = await node.m.runAndWait(plan);
        assert.deepEqual([run.status, run.measuredNothing], ['succeeded', false], plan);
        assert.doesNotMatch(renderMarkdown(run), /measured nothing/);
      }
      assert.deepEqual(alerted, ['allSkipped:succeeded:nothing']);
    });

    it('reads a document stored by the build that called such a run inconclusive as succeeded', async () => {
      const run = await node.m.runAndWait('allSkipped');
      const old = { ...run, status: 'inconclusive' } as Record<string, unknown>;
      delete old.measuredNothing;
      await node.store.maintenance.finishRun(old as unknown as RunDocument);
      const read = await node.store.maintenance.getRun(run.id);
      assert.deepEqual([read?.status, read?.success, read?.measuredNothing], ['succeeded', true, true]);
    });
  });
}

describe('the command line', () => {
  it('exits 0 when the maintenance run measured nothing, and says so in the document and the text', async () => {
    const iso = await isolate('sqlite');
    try {
      // Logging off and a fresh data dir: logAnalysis has no line to read and skips, by its rule.
      const cli = (...extra: string[]) =>
        spawnSync(
          process.execPath,
          ['--import', 'tsx', 'src/cli/main.ts', 'maintenance', 'run', 'logAnalysis', ...extra],
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
      const r = cli('--json');
      const doc = JSON.parse(r.stdout);
      assert.deepEqual(
        doc.steps.map((s: { status: string }) => s.status),
        ['skipped'],
        r.stdout,
      );
      assert.deepEqual([doc.status, doc.success, doc.measuredNothing], ['succeeded', true, true]);
      assert.equal(r.status, 0);
      const text = cli();
      assert.equal(text.status, 0);
      assert.match(text.stdout, /succeeded .*\(measured nothing: every step was skipped\)/);
    } finally {
      await iso.cleanup();
    }
  });
});

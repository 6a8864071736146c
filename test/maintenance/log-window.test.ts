import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { destination, pino, type Logger } from 'pino';
import type { Config } from '../../src/config/index.js';
import { createMaintenance, type Maintenance } from '../../src/maintenance/engine/index.js';
import type { Step } from '../../src/maintenance/step.js';
import { logAnalysis } from '../../src/maintenance/steps/log-analysis/index.js';
import type { RunDocument } from '../../src/store/run-document.js';
import { COMBOS } from '../support/harness.js';
import { LENIENT } from '../support/maintenance.js';
import { openStepNode, type StepNode } from '../support/step-node.js';

/** The daily plan's logAnalysis figures of one run. */
function analysis(run: RunDocument): { status: string; errorCount: number; own: number; window: unknown } {
  const s = run.steps.find((x) => x.name === 'logAnalysis');
  assert.ok(s, 'the run has a logAnalysis step');
  const f = s.figures as { errorCount?: number; ownMaintenanceErrors?: number; window?: unknown };
  return { status: s.status, errorCount: f.errorCount ?? -1, own: f.ownMaintenanceErrors ?? -1, window: f.window };
}

for (const combo of COMBOS) {
  describe(`logAnalysis windows on ${combo.name}`, { skip: combo.skip }, () => {
    let node: StepNode;
    let file: string;
    /** What the rest of the product writes: request and domain lines, not maintenance's own. */
    let product: Logger;
    let errorsAfterAnalysis = 0;
    let maintenance: Maintenance | null = null;

    before(async () => {
      node = await openStepNode(combo);
      mkdirSync(node.config.logDir, { recursive: true });
      file = join(node.config.logDir, 'queuekeeper.2025-03-10.1.log');
      writeFileSync(file, '');
      product = pino({ level: 'info' }, destination({ dest: file, sync: true }));
      product.info('started');
    });
    after(async () => {
      await maintenance?.stop();
      await node.close();
    });

    /** The real engine and the real daily plan; `performance` stands for the steps after logAnalysis. */
    function engine(maxErrorCount: number): Maintenance {
      const config: Config = {
        ...node.config,
        logLevel: 'info',
        maintenance: { ...node.config.maintenance, thresholds: { ...LENIENT, maxErrorCount } },
      };
      const later: Step = async () => {
        for (let i = 0; i < errorsAfterAnalysis; i++) product.error({ route: '/api/x' }, 'write failed');
        return { status: 'succeeded', figures: {}, findings: [], error: null };
      };
      // The engine's own lines go to the same file, as in the server.
      const logger = pino({ level: 'info' }, destination({ dest: file, sync: true }));
      return createMaintenance({
        config,
        store: node.rt.store,
        live: node.rt.live,
        logger,
        nodeId: 'node-window',
        steps: new Map<string, Step>([
          ['logAnalysis', logAnalysis],
          ['performance', later],
        ]),
      });
    }

    it('counts lines written while the rest of the plan runs in the next window, none twice', async () => {
      maintenance = engine(1_000_000);
      errorsAfterAnalysis = 5;
      const first = analysis(await maintenance.runAndWait('daily'));
      const second = analysis(await maintenance.runAndWait('daily'));
      errorsAfterAnalysis = 0;
      const third = analysis(await maintenance.runAndWait('daily'));
      assert.equal(first.errorCount, 0);
      assert.equal(second.errorCount, 5, 'the 5 lines written after the first analysis');
      assert.equal(third.errorCount, 5, 'the 5 lines written after the second, not 10');
      const w = [first, second, third].map((a) => a.window as { from: string; to: string });
      assert.equal(w[1]!.from, w[0]!.to, 'no gap, no overlap');
      assert.equal(w[2]!.from, w[1]!.to);
      await maintenance.stop();
      maintenance = null;
    });

    it('moves the window past a failed analysis and does not count maintenance’s own error lines', async () => {
      maintenance = engine(3);
      for (let i = 0; i < 4; i++) product.error('burst');
      // Windows are half-open: a line in the very millisecond the analysis starts belongs to the
      // next window, so the burst must be at least a millisecond older than this run.
      await new Promise((r) => setTimeout(r, 5));
      const failed = await maintenance.runAndWait('daily');
      assert.equal(analysis(failed).status, 'failed');
      assert.equal(analysis(failed).errorCount, 4);
      // The failed run wrote "maintenance step failed" and "maintenance run did not succeed".
      const next = analysis(await maintenance.runAndWait('daily'));
      assert.equal(next.status, 'succeeded', 'one burst fails one run, not every run for 24 h');
      assert.equal(next.errorCount, 0);
      // "maintenance step failed" at least; the run's last line may share the next window's end
      // millisecond, and the half-open window then leaves it to the window after.
      assert.ok(next.own >= 1, `own maintenance error lines are counted apart (${next.own})`);
    });
  });
}

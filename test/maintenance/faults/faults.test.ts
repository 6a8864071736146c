import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createMaintenance, type Maintenance } from '../../../src/maintenance/engine/index.js';
import type { StepOutcome } from '../../../src/maintenance/step.js';
import { builtInSteps } from '../../../src/maintenance/steps/index.js';
import type { RunDocument } from '../../../src/store/run-document.js';
import { call, COMBOS } from '../../support/harness.js';
import { cleanSystem, type CleanSystem } from './system.js';

/**
 * The maintenance steps against a clean system, then against one fault at a time (the faults of
 * issue 12 this build covers; the README's table summarises them). A clean system must give no
 * error and no failed step; each fault must show in the step that should see it.
 */
const STEPS = builtInSteps();
/** `backup` first, so that backupVerification has a backup to verify, as on a node that has run a day. */
const ORDER = ['backup', ...[...STEPS.keys()].filter((n) => n !== 'backup')];
const problems = (o: StepOutcome) =>
  o.findings.filter((f) => f.severity === 'error' || f.severity === 'critical').map((f) => f.message);
const stepOf = (run: RunDocument, name: string) => run.steps.find((s) => s.name === name)!;

for (const combo of COMBOS) {
  describe(`maintenance fault injection on ${combo.name}`, { skip: combo.skip }, () => {
    let sys: CleanSystem;
    let engine: Maintenance;
    before(async () => {
      sys = await cleanSystem(combo);
      engine = createMaintenance({
        config: sys.config,
        store: sys.rt.store,
        live: sys.rt.live,
        logger: sys.rt.logger,
        nodeId: sys.rt.nodeId,
        steps: STEPS,
        services: sys.services,
      });
    });
    after(async () => {
      await engine?.stop();
      await sys?.close();
    });

    it('a clean system: every step runs, none fails, no error finding', async () => {
      const seen: string[] = [];
      for (const name of ORDER) {
        const out = await STEPS.get(name)!(sys.context());
        seen.push(`${name}: ${out.status}`);
        assert.notEqual(out.status, 'failed', `${name} failed: ${out.error} ${JSON.stringify(out.findings)}`);
        assert.deepEqual(problems(out), [], name);
      }
      assert.equal(seen.length, STEPS.size);
    });

    it('3 and 12: error lines written after logAnalysis ran are counted by the next run; a failed run moves the window', async () => {
      const first = stepOf(await engine.runAndWait('logAnalysis'), 'logAnalysis');
      for (let i = 0; i < 3; i++) sys.rt.logger.error({ fault: 'after-analysis' }, `injected failure ${i}`);
      await sys.logged('injected failure 2');
      const second = stepOf(await engine.runAndWait('logAnalysis'), 'logAnalysis');
      assert.equal((first.figures as { errorCount: number }).errorCount, 0);
      assert.equal((second.figures as { errorCount: number }).errorCount, 3, 'caught: the 3 lines are counted');
      assert.equal(second.status, 'failed');
      // The failed run wrote its own error lines ("maintenance step failed", "... did not succeed").
      await sys.logged('maintenance run did not succeed');
      const third = stepOf(await engine.runAndWait('logAnalysis'), 'logAnalysis');
      assert.equal(third.status, 'succeeded', JSON.stringify(third.findings));
      assert.ok((third.figures as { ownMaintenanceErrors: number }).ownMaintenanceErrors >= 1);
    });

    it('4: logging switched off is skipped with the reason, not "0 errors"', async () => {
      const out = await STEPS.get('logAnalysis')!(sys.context({ config: { logLevel: 'silent' } }));
      assert.equal(out.status, 'skipped');
      assert.match(out.error ?? '', /LOG_LEVEL=silent/);
    });

    it('5: the product’s own log files pass the hardening check; a loosened one is caught', async () => {
      const logs = (await readdir(sys.config.logDir)).filter((n) => n.endsWith('.log'));
      const clean = await STEPS.get('securityHardening')!(sys.context());
      const fixedOnClean = (clean.figures as { measuresApplied: unknown[] }).measuresApplied;
      assert.ok(!JSON.stringify(fixedOnClean).includes('.log'), JSON.stringify(fixedOnClean));
      await chmod(join(sys.config.logDir, logs[0]!), 0o644);
      const loose = await STEPS.get('securityHardening')!(sys.context());
      const applied = (loose.figures as { measuresApplied: { path: string }[] }).measuresApplied;
      assert.ok(
        applied.some((m) => JSON.stringify(m).includes(logs[0]!)),
        JSON.stringify(loose.figures),
      );
    });

    it('6: the CLI’s long-poll does not enter the response times', async () => {
      const started = await call(sys.url, 'POST', '/api/maintenance/runs', { body: { step: 'performance' } });
      const id = (started.body as { id: string }).id;
      const waited = await call(sys.url, 'GET', `/api/maintenance/runs/${id}/wait?timeoutSeconds=60`);
      assert.equal(waited.status, 200);
      await sys.rt.sampler.sample();
      const out = await STEPS.get('performance')!(sys.context());
      const avg = out.figures.averageResponseTimeMs as number;
      assert.ok(avg < 200, `average ${avg} ms`);
      assert.deepEqual(problems(out), []);
    });

    it('7: disk use agrees with df', async () => {
      const out = await STEPS.get('performance')!(sys.context());
      const ours = (out.figures.resourceUtilization as { diskUsage: number }).diskUsage;
      const line = execFileSync('df', ['-P', sys.config.dataDir], { encoding: 'utf8' }).trim().split('\n').at(-1)!;
      const df = Number(/(\d+)%/.exec(line)?.[1]);
      assert.ok(Math.abs(Math.ceil(ours) - df) <= 1, `ours ${ours} %, df ${df} %`);
    });

    it('8: a 24 h average resting on minutes of samples is reported with its count, not judged', async () => {
      await sys.rt.store.maintenance.insertSample({
        nodeId: 'busy-host',
        at: new Date(),
        requests: 0,
        errors: 0,
        avgMs: null,
        p95Ms: null,
        p99Ms: null,
        cpuPercent: 99,
        memoryPercent: 30,
        eventLoopLagP99Ms: 1,
        waitingTotal: 0,
        routes: {},
      });
      const out = await STEPS.get('performance')!(sys.context());
      assert.deepEqual(problems(out), []);
      assert.ok(out.findings.some((f) => /24 h averages rest on \d+ samples/.test(f.message)));
    });

    it('9: performanceReview with nothing to compare is skipped', async () => {
      const out = await STEPS.get('performanceReview')!(sys.context());
      assert.equal(out.status, 'skipped');
    });

    it('11: an OSV snapshot two years old is caught', async () => {
      const file = join(sys.config.dataDir, 'osv.json');
      const old = { id: 'GHSA-old', modified: '2024-11-01T00:00:00Z', affected: [] };
      await writeFile(file, JSON.stringify([old]));
      const out = await STEPS.get('securityUpdates')!(sys.context({ services: { osvSnapshot: file } }));
      assert.ok(
        out.findings.some((f) => f.severity === 'warning' && /OSV snapshot .* days old/.test(f.message)),
        JSON.stringify(out.findings),
      );
    });
  });
}

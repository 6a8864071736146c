import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { performance } from '../../../src/maintenance/steps/performance/index.js';
import { diskPercent, diskUse, measureCpu } from '../../../src/metrics/resources.js';
import type { MetricSample } from '../../../src/store/maintenance-contract.js';
import { COMBOS } from '../../support/harness.js';
import { LENIENT, stepContextOf } from '../../support/maintenance.js';
import { openStepNode, type StepNode } from '../../support/step-node.js';

const MINUTE = 60_000;

describe('disk use', () => {
  it('leaves the blocks kept for root out of both used and available, as df does', () => {
    // 1000 blocks: 240 used, 760 free of which 50 are root's reserve, so 710 available to us.
    const d = diskUse({ bsize: 4096, blocks: 1000, bfree: 760, bavail: 710 });
    assert.equal(d.percent, 25.3); // 240 / (240 + 710); counting the reserve as used said 29 %
    assert.equal(d.usedBytes, 240 * 4096);
    assert.equal(d.freeBytes, 710 * 4096);
    assert.equal(d.reservedBytes, 50 * 4096);
  });

  it('agrees with df on this machine', async () => {
    const dir = process.cwd();
    const line = execFileSync('df', ['-P', dir], { encoding: 'utf8' }).trim().split('\n').at(-1) ?? '';
    const dfPercent = Number(/(\d+)%/.exec(line)?.[1]);
    const ours = (await diskPercent(dir)).percent;
    // df rounds up to a whole percent; the disk may move a little between the two readings.
    assert.ok(Math.abs(Math.ceil(ours) - dfPercent) <= 1, `ours ${ours} %, df ${dfPercent} %`);
  });
});

describe('CPU use', () => {
  it('reads this process apart from the host', async () => {
    const cpu = await measureCpu(200);
    assert.ok(cpu.host >= 0 && cpu.host <= 100, `host ${cpu.host}`);
    assert.ok(cpu.process >= 0, `process ${cpu.process}`);
  });
});

function sample(at: Date, cpuPercent: number): MetricSample {
  return {
    nodeId: 'n1',
    at,
    requests: 10,
    errors: 0,
    avgMs: 5,
    p95Ms: 8,
    p99Ms: 9,
    cpuPercent,
    memoryPercent: 30,
    eventLoopLagP99Ms: 1,
    waitingTotal: 0,
    routes: { 'GET /api/queues/:queueId': { count: 10, avgMs: 5, p95Ms: 8 } },
  };
}

for (const combo of COMBOS) {
  describe(`24 h averages on ${combo.name}`, { skip: combo.skip }, () => {
    let node: StepNode;
    const now = new Date();
    const thresholds = { ...LENIENT, maxCpuPercent: 80 };
    before(async () => {
      node = await openStepNode(combo);
      await node.listen();
    });
    after(async () => {
      await node?.close();
    });

    it('reports an average of a few minutes with its sample count and does not judge it', async () => {
      for (let i = 1; i <= 3; i++)
        await node.rt.store.maintenance.insertSample(sample(new Date(now.getTime() - i * MINUTE), 99));
      const out = await performance(stepContextOf(node, { now: () => now, maintenance: { thresholds } }));
      const ru = out.figures.resourceUtilization as Record<string, unknown>;
      assert.equal(ru.cpuUsageAvg24h, 99);
      assert.deepEqual(ru.averagesBasis, { samples: 3, minutesCovered: 3 });
      assert.ok(
        !out.findings.some((f) => f.severity !== 'info' && f.message.includes('average')),
        JSON.stringify(out.findings),
      );
      assert.ok(out.findings.some((f) => f.severity === 'info' && f.message.includes('3 samples over 3 minutes')));
      assert.notEqual(out.status, 'failed', JSON.stringify(out.findings));
    });

    it('judges the average once an hour of samples holds it', async () => {
      for (let i = 4; i <= 70; i++)
        await node.rt.store.maintenance.insertSample(sample(new Date(now.getTime() - i * MINUTE), 99));
      const out = await performance(stepContextOf(node, { now: () => now, maintenance: { thresholds } }));
      const f = out.findings.find((x) => x.message.startsWith('host CPU use (24 h average) 99 %'));
      assert.ok(f, JSON.stringify(out.findings));
      assert.equal(f.severity, 'warning', 'the host is not queuekeeper: a warning, not a failure');
      assert.match(f.message, /70 samples over 70 minutes/);
    });

    it('fails on queuekeeper’s own CPU, and reports it next to the host’s', async () => {
      const out = await performance(
        stepContextOf(node, { now: () => now, maintenance: { thresholds: { ...LENIENT, maxCpuPercent: 0 } } }),
      );
      const ru = out.figures.resourceUtilization as Record<string, unknown>;
      assert.equal(typeof ru.processCpuUsage, 'number');
      assert.equal(typeof ru.cpuUsage, 'number');
      assert.ok(
        out.findings.some((f) => f.severity === 'error' && f.message.startsWith("queuekeeper's CPU use now")),
        JSON.stringify(out.findings),
      );
      assert.equal(out.status, 'failed');
    });
  });
}

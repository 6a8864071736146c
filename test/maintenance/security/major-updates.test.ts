import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { majorUpdates } from '../../../src/maintenance/steps/security/index.js';
import { COMBOS, context, fakeNpm, npmError, OUTDATED_MIXED, RUNNING_NODE_EOL, securityFixture } from './support.js';

const fig = (out: { figures: Record<string, unknown> }) => out.figures as any;
const PATCH_ONLY = {
  code: 1,
  stdout: JSON.stringify({ pino: { current: '9.14.0', wanted: '9.14.1', latest: '9.14.1' } }),
  stderr: '',
};

for (const combo of COMBOS) {
  describe(`majorUpdates on ${combo.name}`, { skip: combo.skip }, () => {
    const sec = securityFixture(combo);

    it('on a clean system lists no dependency majors; the running Node gets a warning only when past its end of life', async () => {
      const out = await majorUpdates(
        context(sec.node, { runNpm: fakeNpm({ outdated: PATCH_ONLY }), appRoot: sec.root.dir }),
      );
      const f = fig(out);
      assert.deepEqual(f.dependencies, { status: 'measured', majorUpdates: [] });
      assert.equal(f.runtime.node, process.version);
      const warnings = out.findings.filter((x) => x.severity !== 'info').map((x) => `${x.severity}: ${x.message}`);
      assert.deepEqual(
        warnings,
        RUNNING_NODE_EOL
          ? [
              `warning: Node.js ${process.version} reached its end of life on 2026-04-30 (211 days ago) and gets no security fixes; move to Node.js 26 LTS (supported until 2029-04-30)`,
            ]
          : [],
      );
      assert.equal(out.status, RUNNING_NODE_EOL ? 'warning' : 'succeeded');
    });

    it('lists dependency majors and the newer LTS lines with their end of life for an old runtime', async () => {
      const out = await majorUpdates(
        context(sec.node, {
          runNpm: fakeNpm({ outdated: OUTDATED_MIXED }),
          appRoot: sec.root.dir,
          nodeVersion: 'v18.20.4',
        }),
      );
      const f = fig(out);
      assert.deepEqual(
        f.dependencies.majorUpdates.map((u: any) => `${u.name} ${u.current}→${u.latest}`),
        ['ioredis 5.11.1→6.0.0', 'kysely 0.28.1→0.29.0'],
      );
      assert.equal(f.runtime.status, 'end_of_life');
      assert.equal(f.runtime.endOfLife, '2025-04-30');
      assert.deepEqual(f.runtime.newerLtsLines, [
        { line: 26, codename: null, endOfLife: '2029-04-30' },
        { line: 24, codename: 'Krypton', endOfLife: '2028-04-30' },
        { line: 22, codename: 'Jod', endOfLife: '2027-04-30' },
      ]);
      assert.deepEqual(f.runtime.recommended, { line: 26, endOfLife: '2029-04-30' });
      assert.equal(out.status, 'warning');
    });

    it('is skipped with the reason when npm outdated fails, and still reports the runtime', async () => {
      const out = await majorUpdates(
        context(sec.node, {
          runNpm: fakeNpm({
            outdated: npmError(
              'ENOTFOUND',
              'request to https://registry.npmjs.org/fastify failed, reason: getaddrinfo ENOTFOUND',
            ),
          }),
          appRoot: sec.root.dir,
          nodeVersion: 'v24.11.0',
        }),
      );
      assert.equal(out.status, 'skipped');
      assert.match(out.error ?? '', /^update check unavailable: ENOTFOUND/);
      assert.equal(fig(out).dependencies.status, 'skipped');
      assert.equal(fig(out).runtime.status, 'maintenance');
      assert.deepEqual(fig(out).runtime.newerLtsLines, [{ line: 26, codename: null, endOfLife: '2029-04-30' }]);
    });
  });
}

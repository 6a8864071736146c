import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Finding } from '../../../src/maintenance/types.js';
import { securityUpdates } from '../../../src/maintenance/steps/security/index.js';
import {
  AUDIT_405,
  AUDIT_CLEAN,
  AUDIT_E405,
  AUDIT_VULNERABLE,
  COMBOS,
  context,
  fakeNpm,
  fig,
  RUNNING_NODE_EOL,
  scan,
  securityFixture,
  serious,
} from './support.js';

/**
 * securityUpdates on what the node runs: its dependencies (npm audit, or an OSV snapshot when the
 * registry does not answer) and the Node runtime. security-local.test.ts covers what the machine exposes.
 */
for (const combo of COMBOS) {
  describe(`securityUpdates on ${combo.name}`, { skip: combo.skip }, () => {
    const sec = securityFixture(combo);

    it('on a clean system reports only what is genuinely wrong: the Node end of life when it has passed', async () => {
      const npm = fakeNpm({ audit: AUDIT_CLEAN });
      const out = await securityUpdates(context(sec.node, { runNpm: npm, appRoot: sec.root.dir }));
      const f = fig(out);
      assert.deepEqual(npm.calls, [['audit', '--json']]);
      assert.equal(f.dependencyAudit.status, 'measured');
      assert.equal(f.dependencyAudit.vulnerablePackages, 0);
      assert.equal(f.updatesAvailable, 0);
      assert.equal(f.patchesApplied, 0);
      assert.equal(f.automaticPatching, false);
      assert.equal(f.keyRotation, 'not applicable: no signing keys');
      assert.equal(f.securityScan.secrets.masterKey, 'strong');
      assert.deepEqual(f.securityScan.apiKeys.staleKeys, []);
      assert.equal(f.runtime.node, process.version);
      // The store creates its database files owner-only, so nothing in the data dir is loose.
      assert.deepEqual(f.securityScan.fileModes.loose, []);

      const expected = RUNNING_NODE_EOL ? [`error: Node.js ${process.version} reached its end of life`] : [];
      assert.deepEqual(
        serious(out.findings).map((x) => `${x.severity}: ${x.message}`.replace(/ on \d{4}.*$/, '')),
        expected,
      );
      assert.equal(out.status, RUNNING_NODE_EOL ? 'failed' : 'succeeded');
      if (RUNNING_NODE_EOL) assert.equal(f.runtime.status, 'end_of_life');
      else assert.ok(['supported', 'maintenance', 'eol_soon'].includes(f.runtime.status), f.runtime.status);
    });

    for (const [label, reply] of [
      ['the recorded 405 from registry.npmjs.org', AUDIT_405],
      ['an {error: E405} reply', AUDIT_E405],
    ] as const) {
      it(`reports ${label} as "audit unavailable", skipped, never as 0 vulnerabilities`, async () => {
        const out = await scan(sec, { runNpm: fakeNpm({ audit: reply }) });
        const f = fig(out);
        assert.equal(out.status, 'skipped', JSON.stringify(out.findings));
        assert.match(out.error ?? '', /^audit unavailable: .*405/);
        assert.equal(f.dependencyAudit.status, 'skipped');
        assert.equal(f.dependencyAudit.vulnerablePackages, null);
        assert.equal(f.updatesAvailable, null);
        assert.equal(f.dependencyAudit.npmAudit.available, false);
        assert.ok(!JSON.stringify(f.dependencyAudit).includes('"total":0'));
        assert.ok(out.findings.some((x) => x.message.includes('not "0 vulnerabilities"')));
      });
    }

    it('still fails on the end-of-life runtime when the audit is unavailable, and says the audit is missing', async () => {
      const out = await scan(sec, { runNpm: fakeNpm({ audit: AUDIT_405 }), nodeVersion: 'v18.20.4' });
      assert.equal(out.status, 'failed');
      assert.equal(fig(out).dependencyAudit.status, 'skipped');
      assert.ok(
        out.findings.some(
          (x) =>
            x.severity === 'error' && x.message.startsWith('Node.js v18.20.4 reached its end of life on 2025-04-30'),
        ),
      );
      assert.ok(out.findings.some((x) => x.severity === 'info' && x.message.includes('audit unavailable')));
    });

    it('reports an npm that never finished (timeout, not installed) as unavailable', async () => {
      const out = await scan(sec, {
        runNpm: fakeNpm({
          audit: { code: null, stdout: '', stderr: 'killed by SIGTERM after the 60000 ms limit\n' },
        }),
      });
      assert.equal(out.status, 'skipped');
      assert.match(out.error ?? '', /audit unavailable: npm audit did not finish: killed by SIGTERM/);
    });

    it('turns advisories into findings: critical in a shipped package fails, high in a devDependency warns', async () => {
      const out = await scan(sec, { runNpm: fakeNpm({ audit: AUDIT_VULNERABLE }) });
      const f = fig(out);
      assert.equal(out.status, 'failed');
      assert.deepEqual(f.dependencyAudit.npmAudit.counts, {
        info: 0,
        low: 0,
        moderate: 0,
        high: 1,
        critical: 2,
        total: 3,
      });
      assert.equal(f.dependencyAudit.vulnerablePackages, 3);
      assert.equal(f.updatesAvailable, 2);
      assert.equal(f.patchesApplied, 0);
      const minimist = out.findings.find((x) => x.message.startsWith('minimist:'));
      assert.equal(minimist?.severity, 'error');
      assert.match(minimist?.message ?? '', /GHSA-xvch-5gv4-984h.*fix: update fastify to 5\.2\.0$/);
      const esbuild = out.findings.find((x) => x.message.startsWith('esbuild:'));
      assert.equal(esbuild?.severity, 'warning');
      assert.match(esbuild?.message ?? '', /devDependency only.*no fix available yet/);
    });

    it('uses a local OSV snapshot when the registry does not answer audits, and validates it', async () => {
      const snapshot = join(sec.root.dir, 'osv.json');
      await writeFile(
        snapshot,
        JSON.stringify([
          {
            id: 'GHSA-xvch-5gv4-984h',
            summary: 'Prototype Pollution in minimist',
            modified: '2026-11-01T00:00:00Z',
            database_specific: { severity: 'CRITICAL' },
            affected: [
              {
                package: { ecosystem: 'npm', name: 'minimist' },
                ranges: [{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { fixed: '1.2.6' }] }],
              },
            ],
          },
          {
            id: 'GHSA-old',
            affected: [
              {
                package: { ecosystem: 'npm', name: 'fastify' },
                ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.0.0' }] }],
              },
            ],
          },
          { id: 'PYSEC-1', affected: [{ package: { ecosystem: 'PyPI', name: 'minimist' }, versions: ['1.2.5'] }] },
          { id: 42, affected: 'not a list' },
        ]),
      );
      const out = await scan(sec, { runNpm: fakeNpm({ audit: AUDIT_405 }), osvSnapshot: snapshot });
      const f = fig(out);
      assert.equal(f.dependencyAudit.status, 'measured');
      assert.deepEqual(f.dependencyAudit.osvSnapshot, {
        available: true,
        file: snapshot,
        advisories: 3,
        invalidEntries: 1,
        newestModified: '2026-11-01T00:00:00Z',
      });
      assert.deepEqual(
        f.dependencyAudit.packages.map((p: any) => `${p.name}@${p.version} ${p.severity} ${p.fix}`),
        ['minimist@1.2.5 critical update to 1.2.6 or later'],
      );
      assert.equal(out.status, 'failed');

      await writeFile(snapshot, '{"not": "osv"}');
      const bad = await scan(sec, { runNpm: fakeNpm({ audit: AUDIT_405 }), osvSnapshot: snapshot });
      assert.equal(bad.status, 'skipped');
      assert.match(bad.error ?? '', /audit unavailable.*OSV snapshot .*neither an array of OSV records/);
    });

    it('warns when the OSV snapshot is old or undated, since advisories published since are missing', async () => {
      const snapshot = join(sec.root.dir, 'osv-old.json');
      const record = (modified?: string) => ({
        id: 'GHSA-xvch-5gv4-984h',
        ...(modified ? { modified } : {}),
        affected: [{ package: { ecosystem: 'npm', name: 'left-pad' }, versions: ['0.0.1'] }],
      });
      const run = async () => scan(sec, { osvSnapshot: snapshot });
      const stale = (out: { findings: Finding[] }) => out.findings.filter((x) => x.message.startsWith('OSV snapshot'));

      await writeFile(snapshot, JSON.stringify([record('2024-11-01T00:00:00Z')]));
      const old = await run();
      assert.deepEqual(
        stale(old).map((x) => x.severity),
        ['warning'],
      );
      assert.match(stale(old)[0]!.message, /is 756 days old \(newest record modified 2024-11-01T00:00:00Z/);
      assert.equal(old.status, 'warning');

      await writeFile(snapshot, JSON.stringify([record()]));
      assert.match(stale(await run())[0]?.message ?? '', /its age is unknown/);

      await writeFile(snapshot, JSON.stringify([record('2026-11-20T00:00:00Z')]));
      assert.deepEqual(stale(await run()), [], 'a week-old snapshot is fresh enough');
    });
  });
}

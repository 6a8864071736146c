import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { securityPatches, systemUpdates } from '../../../src/maintenance/steps/security/index.js';
import {
  AUDIT_405,
  AUDIT_CLEAN,
  AUDIT_VULNERABLE,
  COMBOS,
  context,
  fakeNpm,
  npmError,
  OUTDATED_MIXED,
  OUTDATED_NONE,
  securityFixture,
  VIEW_OK,
} from './support.js';

const fig = (out: { figures: Record<string, unknown> }) => out.figures as any;
const names = (us: { name: string }[]) => us.map((u) => u.name);

for (const combo of COMBOS) {
  describe(`systemUpdates on ${combo.name}`, { skip: combo.skip }, () => {
    const sec = securityFixture(combo);

    it('on a clean system finds nothing to update, after checking the registry really answers', async () => {
      const npm = fakeNpm({ outdated: OUTDATED_NONE, view: VIEW_OK });
      const out = await systemUpdates(context(sec.node, { runNpm: npm, appRoot: sec.root.dir }));
      assert.equal(out.status, 'succeeded');
      assert.deepEqual(npm.calls, [
        ['outdated', '--json'],
        ['view', 'fastify', 'version', '--json'],
      ]);
      assert.equal(fig(out).updatesAvailable, 0);
      assert.deepEqual(out.findings, []);
    });

    it('splits npm outdated into patch, minor and major (0.x minor counts as major)', async () => {
      const out = await systemUpdates(
        context(sec.node, { runNpm: fakeNpm({ outdated: OUTDATED_MIXED }), appRoot: sec.root.dir }),
      );
      const f = fig(out);
      assert.deepEqual(names(f.patch), ['pino']);
      assert.deepEqual(names(f.minor), ['fastify']);
      assert.deepEqual(names(f.major), ['ioredis', 'kysely']);
      assert.equal(f.updatesAvailable, 4);
      assert.deepEqual(f.notInstalled, ['yaml']);
      assert.equal(f.automaticUpdates, false);
      assert.deepEqual(f.minor[0], {
        name: 'fastify',
        current: '5.1.0',
        wanted: '5.2.0',
        latest: '5.2.0',
        kind: 'minor',
      });
      assert.equal(out.status, 'warning'); // yaml is declared but not installed
    });

    it('is skipped, not "0 updates", when the registry refuses or silently drops packages', async () => {
      const refused = await systemUpdates(
        context(sec.node, {
          runNpm: fakeNpm({ outdated: npmError('E405', '405 Method Not Allowed') }),
          appRoot: sec.root.dir,
        }),
      );
      assert.equal(refused.status, 'skipped');
      assert.equal(refused.error, 'update check unavailable: E405 - 405 Method Not Allowed');
      assert.equal(fig(refused).updatesAvailable, null);
      // npm outdated skips packages the registry answers 403/404 for and prints {}.
      const silent = await systemUpdates(
        context(sec.node, {
          runNpm: fakeNpm({
            outdated: OUTDATED_NONE,
            view: npmError('E403', '403 Forbidden - GET https://registry.example/fastify'),
          }),
          appRoot: sec.root.dir,
        }),
      );
      assert.equal(silent.status, 'skipped');
      assert.match(silent.error ?? '', /npm outdated listed nothing, but the registry did not answer for fastify/);
      assert.equal(fig(silent).updatesAvailable, null);
    });
  });

  describe(`securityPatches on ${combo.name}`, { skip: combo.skip }, () => {
    const sec = securityFixture(combo);

    it('on a clean system has no security patches and lists the plain updates', async () => {
      const out = await securityPatches(
        context(sec.node, { runNpm: fakeNpm({ audit: AUDIT_CLEAN, outdated: OUTDATED_MIXED }), appRoot: sec.root.dir }),
      );
      const f = fig(out);
      assert.equal(out.status, 'succeeded');
      assert.deepEqual(f.securityPatches, []);
      assert.deepEqual(f.unfixedAdvisories, []);
      assert.deepEqual(names(f.otherUpdates.minor), ['fastify']);
      assert.equal(f.patchesApplied, 0);
    });

    it('lists the updates that fix advisories first, with what they fix, and keeps them out of the plain list', async () => {
      const out = await securityPatches(
        context(sec.node, {
          runNpm: fakeNpm({ audit: AUDIT_VULNERABLE, outdated: OUTDATED_MIXED }),
          appRoot: sec.root.dir,
        }),
      );
      const f = fig(out);
      assert.equal(f.advisoryCheck, 'measured');
      assert.deepEqual(
        f.securityPatches.map((p: any) => [p.package, p.severity, p.how, p.update?.name ?? null]),
        [
          ['fastify', 'critical', 'update fastify to 5.2.0 (installed 5.1.0)', 'fastify'],
          ['minimist', 'critical', 'update fastify to 5.2.0 (installed 5.1.0)', 'fastify'],
        ],
      );
      assert.deepEqual(f.securityPatches[1].fixes, ['https://github.com/advisories/GHSA-xvch-5gv4-984h']);
      assert.deepEqual(names(f.otherUpdates.minor), []);
      assert.deepEqual(names(f.otherUpdates.major), ['ioredis', 'kysely']);
      assert.deepEqual(f.unfixedAdvisories, [
        { package: 'esbuild', severity: 'high', advisories: ['https://github.com/advisories/GHSA-67mh-4wv8-2f99'] },
      ]);
      assert.equal(out.status, 'failed'); // a critical fix for a shipped package is waiting
      assert.ok(
        out.findings.some((x) => x.severity === 'warning' && x.message === 'no fix published yet for esbuild (high)'),
      );
    });

    it('is skipped with "audit unavailable" when advisories cannot be read, and still lists the updates as plain', async () => {
      const out = await securityPatches(
        context(sec.node, { runNpm: fakeNpm({ audit: AUDIT_405, outdated: OUTDATED_MIXED }), appRoot: sec.root.dir }),
      );
      const f = fig(out);
      assert.equal(out.status, 'skipped');
      assert.match(
        out.error ?? '',
        /^audit unavailable: 405 Method Not Allowed .*; cannot tell which updates fix advisories$/,
      );
      assert.equal(f.securityPatches, null);
      assert.equal(f.unfixedAdvisories, null);
      assert.deepEqual(names(f.otherUpdates.patch), ['pino']);
    });
  });
}

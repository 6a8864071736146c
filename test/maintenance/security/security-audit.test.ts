import assert from 'node:assert/strict';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { securityAudit, securityHardening } from '../../../src/maintenance/steps/security/index.js';
import { TEST_REDIS_URL } from '../../support/env.js';
import type { StepNode } from '../../support/step-node.js';
import {
  addKey,
  appRoot,
  AUDIT_405,
  AUDIT_CLEAN,
  COMBOS,
  context,
  DAY,
  fakeNpm,
  NOW,
  openNode,
  RUNNING_NODE_EOL,
} from './support.js';

const fig = (out: { figures: Record<string, unknown> }) => out.figures as any;
const WEEK = 7 * DAY;

/** pino lines as the server writes them, `ago` ms before NOW. */
const authFailed = (ago: number) =>
  JSON.stringify({
    level: 40,
    time: NOW.getTime() - ago,
    event: 'auth_failed',
    ip: '203.0.113.9',
    route: '/api/keys',
    reason: 'missing_or_unknown_key',
    msg: 'authentication failed',
  });
const request = (ago: number, status: number) =>
  JSON.stringify({
    level: 30,
    time: NOW.getTime() - ago,
    req: { method: 'GET', url: '/api/keys', remoteAddress: '203.0.113.9' },
    res: { statusCode: status },
    responseTime: 3,
    msg: 'request completed',
  });

for (const combo of COMBOS) {
  describe(`securityAudit on ${combo.name}`, { skip: combo.skip }, () => {
    const pg = combo.name.includes('PostgreSQL');
    const redisOpen = pg && new URL(TEST_REDIS_URL || 'redis://x').password === '';
    let node: StepNode;
    let root: Awaited<ReturnType<typeof appRoot>>;
    before(async () => {
      node = await openNode(combo);
      root = await appRoot();
    });
    beforeEach(async () => {
      await rm(node.config.logDir, { recursive: true, force: true });
      await mkdir(node.config.logDir, { recursive: true, mode: 0o700 });
    });
    after(async () => {
      await node?.close();
      await root?.cleanup();
    });

    it('on a clean system reviews every key, counts no failures, and scores the hardening checklist without changing anything', async () => {
      const admin = await addKey(
        node,
        'admin',
        'ops lead',
        new Date(NOW.getTime() - 30 * DAY),
        new Date(NOW.getTime() - DAY),
      );
      const operator = await addKey(node, 'operator', 'counter 1', new Date(NOW.getTime() - 10 * DAY));
      await writeFile(
        join(node.config.logDir, 'queuekeeper.1.log'),
        [request(3 * DAY, 200), request(2 * DAY, 200)].join('\n') + '\n',
        { mode: 0o600 },
      );
      try {
        const out = await securityAudit(context(node, { runNpm: fakeNpm({ audit: AUDIT_CLEAN }), appRoot: root.dir }));
        const f = fig(out);
        assert.deepEqual(
          f.accessReview.map((k: any) => [k.id, k.role, k.name, k.createdAt, k.lastUsedAt, k.idleDays]),
          [
            [operator, 'operator', 'counter 1', new Date(NOW.getTime() - 10 * DAY).toISOString(), null, 10],
            [
              admin,
              'admin',
              'ops lead',
              new Date(NOW.getTime() - 30 * DAY).toISOString(),
              new Date(NOW.getTime() - DAY).toISOString(),
              1,
            ],
          ],
        );
        assert.equal(f.failedAuthentication.status, 'measured');
        assert.equal(f.failedAuthentication.authFailed, 0);
        assert.equal(f.failedAuthentication.trend, 'none');
        assert.equal(f.failedAuthentication.weeks.length, 13);
        assert.equal(f.failedAuthentication.window.from, new Date(NOW.getTime() - 90 * DAY).toISOString());
        assert.equal(f.keyRotation, 'not applicable: no signing keys');
        assert.equal(f.dependencyAudit.vulnerablePackages, 0);

        // The same checklist securityHardening scores; the audit only reads it.
        const db = node.config.database;
        const sqlite = db.kind === 'sqlite';
        const dbMode = db.kind === 'sqlite' ? (await stat(db.path)).mode & 0o777 : null;
        assert.deepEqual(
          f.hardening.checklist.filter((i: any) => i.status === 'fail').map((i: any) => i.id),
          redisOpen ? ['redisAuth'] : [],
        );
        // The store creates the database owner-only; the audit itself changes no mode.
        if (sqlite) assert.equal(dbMode, 0o600);
        const hardening = await securityHardening(context(node, {}));
        assert.equal(f.hardening.score, fig(hardening).scoreBefore);

        const expected = [
          ...(RUNNING_NODE_EOL ? ['error'] : []),
          ...(redisOpen
            ? [
                `warning: hardening score ${f.hardening.score}%: failing redisAuth (run securityHardening for details and fixes)`,
              ]
            : []),
        ];
        assert.deepEqual(
          out.findings
            .filter((x) => x.severity !== 'info')
            .map((x) => (x.severity === 'error' ? 'error' : `${x.severity}: ${x.message}`)),
          expected,
        );
      } finally {
        await node.rt.store.deleteKey(admin);
        await node.rt.store.deleteKey(operator);
      }
    });

    it('shows rising failed authentication week by week, and a stale admin key in the access review', async () => {
      const lines: string[] = [];
      for (let w = 4; w < 12; w++) lines.push(authFailed(w * WEEK + DAY)); // one a week, weeks 5-12 back
      for (let w = 0; w < 4; w++)
        for (let i = 0; i < 10; i++)
          lines.push(authFailed(w * WEEK + DAY + i * 60_000), request(w * WEEK + DAY + i * 60_000, 401));
      lines.push(authFailed(91 * DAY)); // outside the quarter
      await writeFile(join(node.config.logDir, 'queuekeeper.1.log'), lines.join('\n') + '\n');
      const stale = await addKey(node, 'admin', 'old laptop', new Date(NOW.getTime() - 91 * DAY));
      try {
        const out = await securityAudit(
          context(node, { runNpm: fakeNpm({ audit: AUDIT_405 }), appRoot: root.dir, nodeVersion: 'v24.11.0' }),
        );
        const t = fig(out).failedAuthentication;
        assert.equal(t.authFailed, 48);
        assert.equal(t.trend, 'rising');
        assert.deepEqual(
          t.weeks.map((w: any) => w.authFailed),
          [0, 1, 1, 1, 1, 1, 1, 1, 1, 10, 10, 10, 10],
        );
        assert.deepEqual(
          t.weeks.map((w: any) => w.denied),
          [0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 10, 10, 10],
        );
        assert.ok(
          out.findings.some(
            (x) =>
              x.severity === 'warning' &&
              x.message.startsWith(
                'failed authentication is rising: 10, 10, 10, 10 in the last four weeks against 1 a week before',
              ),
          ),
        );
        const review = fig(out).accessReview.find((k: any) => k.id === stale);
        assert.deepEqual([review.role, review.lastUsedAt, review.idleDays], ['admin', null, 91]);
        assert.ok(
          out.findings.some((x) => x.message.startsWith(`admin key "old laptop" (${stale}) unused for 91 days`)),
        );
        // The audit part still says plainly that advisories were not measured.
        assert.equal(fig(out).dependencyAudit.status, 'skipped');
        assert.equal(fig(out).dependencyAudit.vulnerablePackages, null);
        assert.equal(out.status, 'warning');
      } finally {
        await node.rt.store.deleteKey(stale);
      }
    });

    it('skips the trend, with the reason, when there are no logs', async () => {
      await rm(node.config.logDir, { recursive: true, force: true });
      const out = await securityAudit(
        context(node, { runNpm: fakeNpm({ audit: AUDIT_CLEAN }), appRoot: root.dir, nodeVersion: 'v24.11.0' }),
      );
      assert.equal(fig(out).failedAuthentication.status, 'skipped');
      assert.match(
        fig(out).failedAuthentication.reason,
        /log folder .* cannot be read \(ENOENT\): failed-authentication trend not measured/,
      );
    });
  });
}

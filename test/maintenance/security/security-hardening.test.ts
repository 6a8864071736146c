import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { securityHardening } from '../../../src/maintenance/steps/security/index.js';
import { TEST_REDIS_URL } from '../../support/env.js';
import type { StepNode } from '../../support/step-node.js';
import { COMBOS, context, openNode } from './support.js';

const fig = (out: { figures: Record<string, unknown> }) => out.figures as any;
const statuses = (out: { figures: Record<string, unknown> }) =>
  Object.fromEntries(fig(out).checklist.map((i: any) => [i.id, i.status]));
const mode = async (p: string) => `0${((await stat(p)).mode & 0o777).toString(8)}`;

for (const combo of COMBOS) {
  describe(`securityHardening on ${combo.name}`, { skip: combo.skip }, () => {
    const pg = combo.name.includes('PostgreSQL');
    // The shared test Redis is genuinely open unless its URL carries a password: that is a real finding.
    const redisOpen = pg && new URL(TEST_REDIS_URL || 'redis://x').password === '';
    let node: StepNode;
    before(async () => {
      node = await openNode(combo);
    });
    after(async () => {
      await node?.close();
    });

    it('on a clean system passes every applicable item and recommends closing /docs', async () => {
      const out = await securityHardening(context(node, {}));
      const f = fig(out);
      assert.deepEqual(statuses(out), {
        masterKeyStrength: 'pass',
        databaseTls: 'not_applicable', // SQLite, or PostgreSQL on this host
        redisAuth: pg ? (redisOpen ? 'fail' : 'pass') : 'not_applicable',
        redisProtectedMode: pg ? 'pass' : 'not_applicable',
        corsNotWildcard: 'pass',
        rateLimiting: 'pass',
        backupEncryption: 'pass',
        nodeEnvProduction: 'pass',
        dataDirModes: 'pass',
      });
      // The store creates its files owner-only, so a clean system needs no measure at all.
      assert.deepEqual(f.measuresApplied, []);
      assert.equal(f.scoreBefore, pg && redisOpen ? 88 : 100);
      assert.equal(f.scoreAfter, f.scoreBefore);
      if (!pg) assert.equal(await mode(join(node.config.dataDir, 'queuekeeper.db')), '0600');
      assert.deepEqual(
        out.findings.filter((x) => x.severity !== 'info').map((x) => x.message),
        redisOpen ? ['redisAuth: requirepass is empty: Redis accepts commands without a password'] : [],
      );
      assert.equal(out.status, redisOpen ? 'warning' : 'succeeded');
      assert.deepEqual(f.recommendations, [
        'GET /docs is served whatever NODE_ENV says: make startup refuse to serve it in production unless explicitly allowed',
      ]);
    });

    it('finds a world-readable backup file, makes it 0600 (folders 0700), and scores higher after', async () => {
      const file = join(node.config.backup.dir, 'b_leaky.qkb');
      await chmod(node.config.dataDir, 0o755);
      await mkdir(node.config.backup.dir, { recursive: true });
      await chmod(node.config.backup.dir, 0o755);
      await writeFile(file, 'backup bytes');
      await chmod(file, 0o644);

      const out = await securityHardening(context(node, {}));
      const f = fig(out);
      assert.ok(f.scoreBefore < f.scoreAfter, `${f.scoreBefore} < ${f.scoreAfter}`);
      assert.deepEqual(
        f.measuresApplied.map((m: any) => `${m.path} ${m.from}→${m.to}`),
        ['.', 'backups', 'backups/b_leaky.qkb'].map((p) => `${p} ${p.endsWith('.qkb') ? '0644→0600' : '0755→0700'}`),
      );
      assert.equal(await mode(file), '0600');
      assert.equal(await mode(node.config.backup.dir), '0700');
      assert.equal(await mode(node.config.dataDir), '0700');
      assert.equal(statuses(out).dataDirModes, 'pass');
      assert.ok(
        !out.findings.some((x) => x.message.includes('b_leaky')),
        'nothing left to report about the fixed file',
      );

      const again = await securityHardening(context(node, {}));
      assert.deepEqual(fig(again).measuresApplied, []);
      assert.equal(fig(again).scoreBefore, fig(again).scoreAfter);
    });

    it('never follows a symlink out of the data dir', async () => {
      const outside = await mkdtemp(join(tmpdir(), 'qk-outside-'));
      const target = join(outside, 'not-ours.txt');
      await writeFile(target, 'someone else');
      await chmod(target, 0o644);
      await symlink(target, join(node.config.dataDir, 'link-out'));
      try {
        await securityHardening(context(node, {}));
        assert.equal(await mode(target), '0644');
      } finally {
        await rm(join(node.config.dataDir, 'link-out'));
        await rm(outside, { recursive: true, force: true });
      }
    });

    it("fails the CORS item when origins include '*'", async () => {
      const out = await securityHardening(
        context(node, {}, { config: { corsOrigins: ['https://kiosk.example', '*'] } }),
      );
      assert.equal(statuses(out).corsNotWildcard, 'fail');
      assert.ok(
        out.findings.some(
          (x) =>
            x.severity === 'warning' &&
            x.message === 'corsNotWildcard: QK_CORS_ORIGINS contains "*": any web page may call the API',
        ),
      );
      assert.equal(out.status, 'warning');
    });

    it('fails on a weak master key and reports open configuration items without changing them', async () => {
      const out = await securityHardening(
        context(
          node,
          {},
          {
            config: {
              masterKey: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
              joinRateLimit: 0,
              nodeEnv: 'development',
              backup: { ...node.config.backup, encryptionKey: null },
            },
          },
        ),
      );
      assert.equal(out.status, 'failed');
      const s = statuses(out);
      assert.equal(s.masterKeyStrength, 'fail');
      assert.equal(s.rateLimiting, 'fail');
      assert.equal(s.nodeEnvProduction, 'fail');
      assert.equal(s.backupEncryption, 'fail');
      assert.ok(
        out.findings.some(
          (x) =>
            x.severity === 'error' &&
            x.message ===
              'masterKeyStrength: QK_MASTER_KEY is a short pattern repeated: anyone who guesses it is admin',
        ),
      );
    });

    // The shared test Redis must not be reconfigured, so its CONFIG answers are played by a stand-in.
    it('fails Redis auth and protected mode on an open Redis, and says unknown when CONFIG cannot be read', async () => {
      const redis = { url: 'redis://cache.internal:6379', keyPrefix: 'qk:' };
      const open = { ...node.rt.live, configGet: async (name: string) => (name === 'protected-mode' ? 'no' : '') };
      const out = await securityHardening({ ...context(node, {}, { config: { redis } }), live: open });
      assert.equal(statuses(out).redisAuth, 'fail');
      assert.equal(statuses(out).redisProtectedMode, 'fail');

      const refused = {
        ...node.rt.live,
        configGet: async () =>
          Promise.reject(Object.assign(new Error("ERR unknown command 'CONFIG'"), { name: 'ReplyError' })),
      };
      const managed = await securityHardening({
        ...context(node, {}, { config: { redis: { ...redis, url: 'rediss://:s3cret@cache.internal:6380' } } }),
        live: refused,
      });
      assert.equal(statuses(managed).redisAuth, 'pass');
      assert.equal(statuses(managed).redisProtectedMode, 'not_applicable'); // a password is required either way
      const unknown = await securityHardening({
        ...context(node, {}, { config: { redis } }),
        live: { ...node.rt.live, configGet: undefined },
      });
      assert.equal(statuses(unknown).redisProtectedMode, 'unknown');
      assert.ok(
        fig(unknown).recommendations.some((r: string) => r.startsWith('redisProtectedMode: could not be checked')),
      );
    });

    it('fails database TLS for a remote PostgreSQL without sslmode and passes it with verify-full', async () => {
      const remote = (q: string) => ({
        database: { kind: 'postgres' as const, url: `postgres://u:p@db.internal:5432/app${q}`, schema: 'public' },
      });
      assert.equal(statuses(await securityHardening(context(node, {}, { config: remote('') }))).databaseTls, 'fail');
      assert.equal(
        statuses(await securityHardening(context(node, {}, { config: remote('?sslmode=verify-full') }))).databaseTls,
        'pass',
      );
    });
  });
}

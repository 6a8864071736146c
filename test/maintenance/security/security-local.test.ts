import assert from 'node:assert/strict';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { addKey, COMBOS, DAY, fig, NOW, scan, securityFixture, serious } from './support.js';

/**
 * securityUpdates on what the machine itself exposes: file modes, weak secrets and admin keys.
 * The dependencies and the runtime are clean here; security-updates.test.ts covers those.
 */
for (const combo of COMBOS) {
  describe(`securityUpdates on local exposure, on ${combo.name}`, { skip: combo.skip }, () => {
    const sec = securityFixture(combo);

    it('finds a backup file every local user can read', async () => {
      await chmod(sec.node.config.dataDir, 0o755);
      await mkdir(sec.node.config.backup.dir, { recursive: true, mode: 0o755 });
      await chmod(sec.node.config.backup.dir, 0o755);
      await writeFile(join(sec.node.config.backup.dir, 'b_leaky.qkb'), 'backup bytes', { mode: 0o644 });
      await chmod(join(sec.node.config.backup.dir, 'b_leaky.qkb'), 0o644);
      try {
        const out = await scan(sec);
        assert.equal(out.status, 'failed');
        const leak = out.findings.find((x) => x.message.startsWith('file backups/b_leaky.qkb has mode 0644'));
        assert.equal(leak?.severity, 'error');
        assert.match(leak?.message ?? '', /every local user/);
      } finally {
        await chmod(sec.node.config.dataDir, 0o700);
      }
    });

    it('warns about a QK_CONFIG file outside the data dir that every local user can read', async () => {
      const file = join(sec.root.dir, 'queuekeeper.json');
      await writeFile(file, '{"masterKey": "…"}');
      await chmod(file, 0o644);
      const out = await scan(sec, {}, { config: { configFile: file } });
      assert.deepEqual(serious(out.findings), [
        {
          severity: 'warning',
          message: `file ${file} has mode 0644: readable by every local user unless a folder above it prevents that; it should be 0600`,
        },
      ]);
    });

    it('flags weak secrets: a placeholder master key and an all-zero backup key', async () => {
      const weak = {
        masterKey: 'changeme-changeme-changeme-changeme',
        apiKey: 'changeme-changeme-changeme-changeme',
        backup: { ...sec.node.config.backup, encryptionKey: Buffer.alloc(32) },
      };
      const out = await scan(sec, {}, { config: weak });
      assert.equal(out.status, 'failed');
      assert.equal(fig(out).securityScan.secrets.masterKey, 'weak');
      assert.deepEqual(
        out.findings.filter((x) => x.severity === 'error').map((x) => x.message),
        [
          'QK_MASTER_KEY is a well-known placeholder value: anyone who guesses it is admin',
          'QK_BACKUP_ENCRYPTION_KEY is all zeros: backups are encrypted with a key everyone knows',
        ],
      );
      const short = await scan(sec, {}, { config: { masterKey: 'abc123', apiKey: 'abc123' } });
      assert.ok(
        short.findings.some(
          (x) =>
            x.severity === 'error' &&
            x.message === 'QK_MASTER_KEY is shorter than 32 characters (6): anyone who guesses it is admin',
        ),
      );
    });

    it('finds an admin key unused for 91 days, and not one unused for 89', async () => {
      const stale = await addKey(sec.node, 'admin', 'old laptop', new Date(NOW.getTime() - 91 * DAY));
      const recent = await addKey(
        sec.node,
        'operator',
        'counter 2',
        new Date(NOW.getTime() - 200 * DAY),
        new Date(NOW.getTime() - 89 * DAY),
      );
      try {
        const out = await scan(sec);
        assert.equal(out.status, 'warning');
        assert.deepEqual(fig(out).securityScan.apiKeys.staleKeys, [stale]);
        assert.deepEqual(
          serious(out.findings).map((x) => x.message),
          [
            `admin key "old laptop" (${stale}) unused for 91 days (never used since it was created on 2026-08-28); revoke it (DELETE /api/keys/${stale}) if nobody needs it`,
          ],
        );
      } finally {
        await sec.node.rt.store.deleteKey(stale);
        await sec.node.rt.store.deleteKey(recent);
      }
    });

    it('finds more admin keys than allowed (default 3; configurable)', async () => {
      const ids = [];
      for (let i = 0; i < 4; i++)
        ids.push(await addKey(sec.node, 'admin', `admin ${i}`, new Date(NOW.getTime() - DAY)));
      try {
        const out = await scan(sec);
        assert.equal(out.status, 'warning');
        assert.deepEqual(
          serious(out.findings).map((x) => x.message),
          [
            '4 admin keys exist, more than the 3 allowed; give operators operator keys and revoke the admin keys nobody needs',
          ],
        );
        const allowed = await scan(sec, { maxAdminKeys: 4 });
        assert.deepEqual(serious(allowed.findings), []);
      } finally {
        for (const id of ids) await sec.node.rt.store.deleteKey(id);
      }
    });
  });
}

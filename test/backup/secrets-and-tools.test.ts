import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { configSnapshot, configSnapshotSchema } from '../../src/backup/config-snapshot.js';
import { createBackup, isBackupError } from '../../src/backup/index.js';
import { parseToolVersion } from '../../src/store/postgres/dump-tools.js';
import { loadConfig } from '../../src/config/index.js';
import { skipPg } from '../support/env.js';
import { KEY_A, Scratch, system } from './support.js';

const scratch = new Scratch();
after(() => scratch.cleanup());
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('the configuration snapshot', () => {
  it('replaces every secret by a marker with its sha256 and keeps the rest', async () => {
    const dir = await scratch.dir();
    const file = join(dir, 'qk.json');
    await writeFile(
      file,
      JSON.stringify({
        maintenance: {
          alertWebhooks: [
            { url: 'https://hooks.example.org/services/T0/B0/tok3n', secret: 'webhook-secret-0123456789' },
          ],
        },
      }),
    );
    const master = 'M'.repeat(40);
    const config = loadConfig({
      QK_DATA_DIR: dir,
      QK_CONFIG: file,
      QK_MASTER_KEY: master,
      QK_API_KEY: 'api-key-value',
      QK_BACKUP_ENCRYPTION_KEY: KEY_A,
      DATABASE_URL: 'postgres://qk:pg-pass-word@db.example.org:5432/qk?schema=main',
      REDIS_URL: 'redis://:redis-pass@cache.example.org:6379',
    });
    const snap = configSnapshot(config, new Date());
    const text = JSON.stringify(snap);
    for (const secret of [
      master,
      'api-key-value',
      KEY_A,
      'pg-pass-word',
      'redis-pass',
      'webhook-secret-0123456789',
      'tok3n',
    ])
      assert.ok(!text.includes(secret), `${secret} is gone`);
    assert.ok(configSnapshotSchema.safeParse(JSON.parse(text)).success);
    const c = snap.config as Record<string, any>;
    assert.deepEqual(c.masterKey, { redacted: true, sha256: sha(master) });
    assert.equal(c.database.url.sha256, sha('pg-pass-word'));
    assert.match(c.database.url.url, /^postgres:\/\/qk:redacted@db\.example\.org:5432\/qk/);
    assert.equal(c.maintenance.alertWebhooks[0].url.origin, 'https://hooks.example.org');
    assert.equal(c.backup.encryptionKey.sha256, createHash('sha256').update(Buffer.from(KEY_A, 'hex')).digest('hex'));
    assert.equal(c.redis.keyPrefix, 'qk:');
    assert.equal(c.timezone, 'UTC');
  });
});

describe('pg_dump discovery', () => {
  it('reads the major version from pg_dump --version', () => {
    assert.deepEqual(parseToolVersion('pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)'), {
      version: '15.20',
      major: 15,
    });
    assert.deepEqual(parseToolVersion('pg_dump (PostgreSQL) 17.2'), { version: '17.2', major: 17 });
    assert.equal(parseToolVersion('command not found'), null);
  });

  it(
    'fails with a coded error when the configured pg_dump is missing or older than the server',
    { skip: skipPg },
    async () => {
      const missing = await system(scratch, 'postgres', { env: { QK_PG_DUMP: '/nonexistent/bin/pg_dump' } });
      await assert.rejects(
        createBackup({ config: missing.config, store: missing.rt.store, live: missing.rt.live }),
        (e: unknown) => isBackupError(e) && e.reason === 'pg_dump_missing' && e.code === 'unavailable',
      );

      const bin = await scratch.dir();
      const fake = join(bin, 'pg_dump');
      await writeFile(fake, '#!/bin/sh\necho "pg_dump (PostgreSQL) 9.6.24"\n');
      await chmod(fake, 0o755);
      const old = await system(scratch, 'postgres', { env: { QK_PG_DUMP: fake } });
      await assert.rejects(
        createBackup({ config: old.config, store: old.rt.store, live: old.rt.live }),
        (e: unknown) => isBackupError(e) && e.reason === 'pg_dump_version_mismatch' && /9\.6/.test(e.message),
      );
    },
  );
});

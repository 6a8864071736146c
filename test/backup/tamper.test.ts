import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openDatabase, prepareKept } from '../../src/store/sqlite/driver.js';
import { createBackup, isBackupError, listBackups, restoreBackup, verifyBackup } from '../../src/backup/index.js';
import { loadConfig } from '../../src/config/index.js';
import { BACKENDS, Scratch, seed, system, tableRows } from './support.js';

const scratch = new Scratch();
after(() => scratch.cleanup());

interface RawManifest {
  files: Record<'database' | 'live' | 'configuration', { name: string; size: number; sha256: string }>;
  tables: Record<string, number>;
  signature?: { keyId: string };
}
const manifestPath = (dir: string) => join(dir, 'manifest.json');
const readRaw = async (dir: string) => JSON.parse(await readFile(manifestPath(dir), 'utf8')) as RawManifest;

for (const backend of BACKENDS) {
  describe(`backup signatures on ${backend.name}`, { skip: backend.skip }, () => {
    it('a manifest changed after the backup is Invalid at the signature check, in every part, and is not restored', async () => {
      const sys = await system(scratch, backend.name);
      await seed(sys.rt);
      const b = await createBackup({ config: sys.config, store: sys.rt.store, live: sys.rt.live });
      const m = await readRaw(b.path);
      m.tables.api_keys = (m.tables.api_keys ?? 0) + 1;
      await writeFile(manifestPath(b.path), JSON.stringify(m));
      const v = await verifyBackup(sys.config, b.id);
      assert.equal(v.status, 'Invalid');
      assert.equal(v.failedCheck, 'signature');
      assert.match(v.reason ?? '', /altered after it was written/);
      assert.deepEqual(
        v.checks.map((c) => c.name),
        ['manifest', 'signature'],
      );
      assert.deepEqual(
        Object.values(v.parts).map((p) => p.status),
        ['Invalid', 'Invalid', 'Invalid'],
      );
      const before = await tableRows(sys.config.database);
      await assert.rejects(
        restoreBackup(sys.config, b.id, { force: true }),
        (e: unknown) => isBackupError(e) && e.reason === 'backup_invalid',
      );
      assert.deepEqual(await tableRows(sys.config.database), before);
    });

    it('the signing key comes from the master key: the same key verifies anywhere, another one does not', async () => {
      const master = 'k'.repeat(40);
      const sys = await system(scratch, backend.name, { env: { QK_MASTER_KEY: master } });
      await seed(sys.rt);
      const b = await createBackup({ config: sys.config, store: sys.rt.store, live: sys.rt.live });
      assert.equal((await verifyBackup(sys.config, b.id)).status, 'Valid');
      // Another data dir with the same backups and master key: the key file there plays no part.
      const elsewhere = loadConfig({ ...sys.env, QK_DATA_DIR: await scratch.dir(), QK_MASTER_KEY: master });
      const moved = { ...elsewhere, backup: { ...elsewhere.backup, dir: sys.config.backup.dir } };
      assert.equal((await verifyBackup(moved, b.id, { record: false })).status, 'Valid');
      const other = loadConfig({ ...sys.env, QK_MASTER_KEY: 'o'.repeat(40) });
      const v = await verifyBackup(other, b.id, { record: false });
      assert.equal(v.failedCheck, 'signature');
      assert.match(v.reason ?? '', new RegExp(`signed with key ${(await readRaw(b.path)).signature?.keyId}`));
      assert.match(v.reason ?? '', /QK_MASTER_KEY/);
    });
  });
}

describe('signing keys over time', () => {
  it('a backup signed with the data dir key still verifies once QK_MASTER_KEY is set', async () => {
    const sys = await system(scratch, 'sqlite');
    const b = await createBackup({ config: sys.config, store: sys.rt.store, live: sys.rt.live });
    const withMaster = loadConfig({ ...sys.env, QK_MASTER_KEY: 'n'.repeat(40) });
    const v = await verifyBackup(withMaster, b.id, { record: false });
    assert.equal(v.status, 'Valid', v.reason ?? '');
  });

  it('a forged verification record does not show an altered backup as Valid in the list', async () => {
    const sys = await system(scratch, 'sqlite');
    const b = await createBackup({ config: sys.config, store: sys.rt.store, live: sys.rt.live });
    assert.equal((await verifyBackup(sys.config, b.id)).status, 'Valid');
    const listed = async () => (await listBackups(sys.config, { limit: 10 })).items[0]?.lastVerification?.status;
    assert.equal(await listed(), 'Valid');
    const path = join(b.path, 'verification.json');
    const record = JSON.parse(await readFile(path, 'utf8')) as { checkedAt: string };
    record.checkedAt = new Date(Date.now() + 86_400_000).toISOString();
    await writeFile(path, JSON.stringify(record));
    assert.equal(await listed(), undefined);
  });
});

describe('secrets in a SQLite backup', () => {
  it('the token seal key is in no file of the backup, not even as deleted bytes', async () => {
    const sys = await system(scratch, 'sqlite');
    await seed(sys.rt);
    const sealKey = await sys.rt.store.getMeta('token_seal_key');
    assert.match(sealKey ?? '', /^[0-9a-f]{64}$/);
    const b = await createBackup({ config: sys.config, store: sys.rt.store, live: sys.rt.live });
    const live = sys.config.database.kind === 'sqlite' ? sys.config.database.path : '';
    const onDisk = Buffer.concat([await readFile(live), await readFile(`${live}-wal`).catch(() => Buffer.alloc(0))]);
    assert.ok(onDisk.includes(sealKey ?? ''), 'the check below can see the key where it is');
    for (const name of await readdir(b.path))
      assert.ok(!(await readFile(join(b.path, name))).includes(sealKey ?? ''), `${name} holds the seal key`);
    assert.ok(!(await readFile(join(sys.config.dataDir, 'backup-signing.key'), 'utf8')).includes(sealKey ?? ''));
    assert.equal((await verifyBackup(sys.config, b.id)).status, 'Valid');
  });
});

describe('a forged SQLite backup', () => {
  it('a planted admin key with recomputed hashes and counts is refused, and the target keeps its data', async () => {
    const sys = await system(scratch, 'sqlite');
    await seed(sys.rt);
    const b = await createBackup({ config: sys.config, store: sys.rt.store, live: sys.rt.live });
    const m = await readRaw(b.path);
    const dump = join(b.path, m.files.database.name);
    const db = openDatabase(dump);
    prepareKept(db, 'INSERT INTO api_keys (id, role, name, key_hash, created_at) VALUES (?, ?, ?, ?, ?)').run(
      'key_planted',
      'admin',
      'planted',
      createHash('sha256').update('qk_planted').digest('hex'),
      Date.now(),
    );
    db.close();
    const bytes = await readFile(dump);
    m.files.database.size = bytes.length;
    m.files.database.sha256 = createHash('sha256').update(bytes).digest('hex');
    m.tables.api_keys = (m.tables.api_keys ?? 0) + 1;
    await writeFile(manifestPath(b.path), JSON.stringify(m));

    const v = await verifyBackup(sys.config, b.id);
    assert.equal(v.status, 'Invalid');
    assert.equal(v.failedCheck, 'signature');
    const before = await tableRows(sys.config.database);
    await assert.rejects(
      restoreBackup(sys.config, b.id, { force: true }),
      (e: unknown) => isBackupError(e) && e.reason === 'backup_invalid',
    );
    const after = await tableRows(sys.config.database);
    assert.deepEqual(after, before);
    assert.ok(!after.api_keys?.some((row) => row.includes('key_planted')));

    const { signature: _, ...unsigned } = await readRaw(b.path);
    await writeFile(manifestPath(b.path), JSON.stringify(unsigned));
    assert.match((await verifyBackup(sys.config, b.id)).reason ?? '', /not signed/);
  });
});

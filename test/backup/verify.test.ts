import assert from 'node:assert/strict';
import { readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  createBackup,
  isBackupError,
  restoreBackup,
  verifyBackup,
  type BackupSummary,
} from '../../src/backup/index.js';
import { loadConfig } from '../../src/config/index.js';
import { BACKENDS, editSignedManifest, KEY_A, KEY_B, Scratch, seed, system, type System } from './support.js';

const scratch = new Scratch();
after(() => scratch.cleanup());

const DAY = 86_400_000;

async function backedUp(
  backend: 'sqlite' | 'postgres',
  opts: { key?: string; now?: () => Date } = {},
): Promise<System & { b: BackupSummary }> {
  const sys = await system(scratch, backend, opts.key ? { key: opts.key } : {});
  await seed(sys.rt);
  const b = await createBackup({
    config: sys.config,
    store: sys.rt.store,
    live: sys.rt.live,
    ...(opts.now ? { now: opts.now } : {}),
  });
  return { ...sys, b };
}

interface ManifestFiles {
  files: Record<'database' | 'live' | 'configuration', { name: string }>;
  tables: Record<string, number>;
}
const manifestOf = async (b: BackupSummary): Promise<ManifestFiles> =>
  JSON.parse(await readFile(join(b.path, 'manifest.json'), 'utf8')) as ManifestFiles;
const fileOf = async (b: BackupSummary, role: 'database' | 'live' | 'configuration'): Promise<string> =>
  join(b.path, (await manifestOf(b)).files[role].name);

for (const backend of BACKENDS) {
  describe(`verify on ${backend.name}`, { skip: backend.skip }, () => {
    it('an untouched backup is Valid in every part', async () => {
      const { config, b } = await backedUp(backend.name);
      const v = await verifyBackup(config, b.id);
      assert.equal(v.status, 'Valid', v.reason ?? '');
      assert.deepEqual(
        Object.values(v.parts).map((p) => p.status),
        ['Valid', 'Valid', 'Valid'],
      );
      assert.deepEqual(
        v.checks.map((c) => c.name),
        [
          'manifest',
          'signature',
          'files',
          'encryption',
          'restore',
          'integrity',
          'rowCounts',
          'liveSnapshot',
          'configSnapshot',
        ],
      );
      assert.match(b.id, /^bk_\d{8}T\d{9}Z_[0-9a-f]{8}$/);
      assert.equal((await stat(b.path)).mode & 0o777, 0o700);
      assert.equal((await stat(config.backup.dir)).mode & 0o777, 0o700);
      for (const name of await readdir(b.path))
        assert.equal((await stat(join(b.path, name))).mode & 0o777, 0o600, name);
    });

    it('one flipped byte in the dump is Invalid at the file check, and only the database part fails', async () => {
      const { config, b } = await backedUp(backend.name);
      const path = await fileOf(b, 'database');
      const bytes = await readFile(path);
      const at = Math.floor(bytes.length / 2);
      bytes[at] = (bytes[at] as number) ^ 0x01;
      await writeFile(path, bytes);
      const v = await verifyBackup(config, b.id);
      assert.equal(v.status, 'Invalid');
      assert.equal(v.failedCheck, 'files');
      assert.match(v.reason ?? '', /sha256/);
      assert.equal(v.parts.database.status, 'Invalid');
      assert.equal(v.parts.configuration.status, 'Valid');
    });

    it('a truncated dump is Invalid for its size', async () => {
      const { config, b } = await backedUp(backend.name);
      const path = await fileOf(b, 'database');
      await truncate(path, Math.floor((await readFile(path)).length / 3));
      const v = await verifyBackup(config, b.id);
      assert.equal(v.status, 'Invalid');
      assert.equal(v.failedCheck, 'files');
      assert.match(v.reason ?? '', /bytes; the manifest says/);
    });

    it('a signed manifest with a wrong row count is Invalid at the row-count check, after a restore', async () => {
      const { config, b } = await backedUp(backend.name);
      await editSignedManifest<ManifestFiles>(config, b.path, (m) => {
        m.tables.tickets = (m.tables.tickets ?? 0) + 1;
      });
      const v = await verifyBackup(config, b.id);
      assert.equal(v.status, 'Invalid');
      assert.equal(v.failedCheck, 'rowCounts');
      assert.match(v.reason ?? '', /table tickets/);
      assert.ok(v.checks.some((c) => c.name === 'restore' && c.ok));
    });

    it('a deleted live snapshot is Invalid; the database part still restores and is Valid', async () => {
      const { config, b } = await backedUp(backend.name);
      await rm(await fileOf(b, 'live'));
      const v = await verifyBackup(config, b.id);
      assert.equal(v.status, 'Invalid');
      assert.equal(v.failedCheck, 'files');
      assert.match(v.reason ?? '', /live\.json is missing/);
      assert.equal(v.parts.live.status, 'Invalid');
      assert.equal(v.parts.database.status, 'Valid');
    });

    it('a live index that drifted from the database before the backup is Invalid at the live check', async () => {
      const sys = await system(scratch, backend.name);
      const { queues } = await seed(sys.rt);
      const [victim] = await sys.rt.live.index.range(queues[0] as string, 0, 1);
      await sys.rt.live.index.remove(queues[0] as string, [victim as string]);
      // Taken "later", so the ticket's last change is long before the snapshot: nothing explains it.
      const later = () => new Date(Date.now() + 10 * 60_000);
      const b = await createBackup({ config: sys.config, store: sys.rt.store, live: sys.rt.live, now: later });
      const v = await verifyBackup(sys.config, b.id, { now: later });
      assert.equal(v.status, 'Invalid');
      assert.equal(v.failedCheck, 'liveSnapshot');
      assert.equal(v.parts.live.status, 'Invalid');
      assert.equal(v.parts.database.status, 'Valid');
    });

    it('no backup is Missing; an unknown id is not_found', async () => {
      const { config } = await system(scratch, backend.name);
      const v = await verifyBackup(config);
      assert.equal(v.status, 'Missing');
      assert.equal(v.id, null);
      assert.deepEqual(
        Object.values(v.parts).map((p) => p.status),
        ['Missing', 'Missing', 'Missing'],
      );
      await assert.rejects(
        verifyBackup(config, 'bk_nothing_here'),
        (e: unknown) => isBackupError(e) && e.reason === 'backup_not_found' && e.code === 'not_found',
      );
    });

    it('a backup older than the allowed age is Stale, yet passes every check', async () => {
      const { config, b } = await backedUp(backend.name, { now: () => new Date(Date.now() - 3 * DAY) });
      const v = await verifyBackup(config, b.id);
      assert.equal(v.status, 'Stale');
      assert.match(v.reason ?? '', /older than 26\.0 h/);
      assert.ok(v.checks.every((c) => c.ok));
      assert.equal(v.parts.live.status, 'Stale');
    });

    it('restore refuses an invalid backup and touches nothing, and refuses a non-empty target', async () => {
      const { config, b } = await backedUp(backend.name);
      await assert.rejects(
        restoreBackup(config, b.id),
        (e: unknown) => isBackupError(e) && e.reason === 'target_not_empty',
      );
      const path = await fileOf(b, 'database');
      const bytes = await readFile(path);
      bytes[bytes.length - 10] = (bytes[bytes.length - 10] as number) ^ 0xff;
      await writeFile(path, bytes);
      const db = config.database;
      const before = db.kind === 'sqlite' ? await readFile(db.path) : null;
      await assert.rejects(
        restoreBackup(config, b.id, { force: true }),
        (e: unknown) => isBackupError(e) && e.reason === 'backup_invalid',
      );
      if (db.kind === 'sqlite') assert.deepEqual(await readFile(db.path), before);
    });

    it('an encrypted backup cannot be read without its key', async () => {
      const { config, env, b } = await backedUp(backend.name, { key: KEY_A });
      const m = await manifestOf(b);
      for (const role of ['database', 'live', 'configuration'] as const) {
        const raw = await readFile(join(b.path, m.files[role].name));
        assert.ok(
          !raw.includes('SQLite format 3') &&
            !raw.includes('PGDMP') &&
            !raw.includes('Guest 1') &&
            !raw.includes('"format"'),
          `${role} is ciphertext`,
        );
      }
      assert.equal((await verifyBackup(config, b.id)).status, 'Valid');
      const { QK_BACKUP_ENCRYPTION_KEY: _key, ...keyless } = env;
      const withoutKey = loadConfig(keyless);
      assert.equal(withoutKey.backup.encryptionKey, null);
      const noKey = await verifyBackup(withoutKey, b.id);
      assert.equal(noKey.status, 'Invalid');
      assert.equal(noKey.failedCheck, 'encryption');
      const otherKey = await verifyBackup(loadConfig({ ...env, QK_BACKUP_ENCRYPTION_KEY: KEY_B }), b.id);
      assert.equal(otherKey.failedCheck, 'encryption');
      await assert.rejects(
        restoreBackup(withoutKey, b.id, { force: true }),
        (e: unknown) => isBackupError(e) && e.reason === 'backup_invalid',
      );
    });
  });
}

describe('verify reads its input defensively', () => {
  const broken = async (edit: (m: Record<string, unknown>) => unknown): Promise<string | null> => {
    const { config, b } = await backedUp('sqlite');
    const m = JSON.parse(await readFile(join(b.path, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    const next = edit(m);
    await writeFile(join(b.path, 'manifest.json'), typeof next === 'string' ? next : JSON.stringify(next));
    const v = await verifyBackup(config, b.id);
    assert.equal(v.status, 'Invalid');
    assert.equal(v.failedCheck, 'manifest');
    return v.reason;
  };

  it('a manifest that is not JSON, or names a file outside its folder, is Invalid at the manifest check', async () => {
    assert.match((await broken(() => '{"format": 1,')) ?? '', /not valid JSON/);
    assert.match(
      (await broken((m) => ({
        ...m,
        files: { ...(m.files as object), live: { name: '../../etc/passwd', size: 1, sha256: '0'.repeat(64) } },
      }))) ?? '',
      /files\.live\.name/,
    );
    assert.match((await broken((m) => ({ ...m, id: 'bk_someone_else' }))) ?? '', /describes backup/);
    assert.match((await broken(() => '[]')) ?? '', /malformed/);
  });

  it('a snapshot whose content is not a snapshot is Invalid at its own check', async () => {
    const { config, b } = await backedUp('sqlite');
    const m = await manifestOf(b);
    const path = join(b.path, m.files.configuration.name);
    const junk = Buffer.from('{"format": 2}');
    await writeFile(path, junk);
    const { createHash } = await import('node:crypto');
    await editSignedManifest<{ files: Record<string, { size: number; sha256: string }> }>(config, b.path, (raw) => {
      raw.files.configuration = {
        ...raw.files.configuration,
        size: junk.length,
        sha256: createHash('sha256').update(junk).digest('hex'),
      } as { size: number; sha256: string };
    });
    const v = await verifyBackup(config, b.id);
    assert.equal(v.failedCheck, 'configSnapshot');
    assert.equal(v.parts.configuration.status, 'Invalid');
    assert.equal(v.parts.database.status, 'Valid');
  });
});

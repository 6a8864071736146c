import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { errorHandler } from '../../src/http/errors.js';
import { backupRoutes } from '../../src/http/routes/backups.js';
import { Scratch, seed, system } from './support.js';

const scratch = new Scratch();
after(() => scratch.cleanup());
const MASTER = 'm'.repeat(40);
const exec = promisify(execFile);

// HTTP and CLI are the same on every engine; SQLite keeps these tests quick.
describe('backups over HTTP', () => {
  it('POST starts one (202), GET follows it and lists it, verify answers Valid', async () => {
    const sys = await system(scratch, 'sqlite', { env: { QK_MASTER_KEY: MASTER } });
    await seed(sys.rt);
    const app = Fastify().withTypeProvider<ZodTypeProvider>();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.setErrorHandler(errorHandler);
    await app.register(backupRoutes(sys.rt));
    const auth = { authorization: `Bearer ${MASTER}` };
    try {
      assert.equal((await app.inject({ method: 'GET', url: '/api/backups' })).statusCode, 401);
      const started = await app.inject({ method: 'POST', url: '/api/backups', headers: auth });
      assert.equal(started.statusCode, 202);
      const { id } = started.json<{ id: string }>();
      assert.match(id, /^[A-Za-z0-9_-]{1,64}$/);
      let state = 'creating';
      while (state === 'creating') {
        await new Promise((r) => setTimeout(r, 50));
        state = (await app.inject({ method: 'GET', url: `/api/backups/${id}`, headers: auth })).json<{
          state: string;
        }>().state;
      }
      assert.equal(state, 'complete');
      const list = (await app.inject({ method: 'GET', url: '/api/backups', headers: auth })).json<{
        items: { id: string }[];
        nextCursor: string | null;
      }>();
      assert.deepEqual(
        list.items.map((b) => b.id),
        [id],
      );
      assert.equal(list.nextCursor, null);
      const verified = await app.inject({ method: 'POST', url: `/api/backups/${id}/verify`, headers: auth });
      assert.equal(verified.statusCode, 200);
      assert.equal(verified.json<{ status: string }>().status, 'Valid');
      const listed = (await app.inject({ method: 'GET', url: '/api/backups', headers: auth })).json<{
        items: { lastVerification: { status: string } | null }[];
      }>();
      assert.equal(listed.items[0]?.lastVerification?.status, 'Valid');
      const unknown = await app.inject({ method: 'POST', url: '/api/backups/bk_unknown/verify', headers: auth });
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json<{ error: { code: string } }>().error.code, 'not_found');
      assert.equal(
        (await app.inject({ method: 'POST', url: '/api/backups/bad!id/verify', headers: auth })).statusCode,
        400,
      );
    } finally {
      await app.close();
    }
  });
});

describe('backup commands', () => {
  const cli = async (
    env: Record<string, string>,
    ...args: string[]
  ): Promise<{ code: number; doc: Record<string, unknown>; stderr: string }> => {
    const r = await exec(
      process.execPath,
      ['--import', 'tsx', 'test/backup/cli-entry.ts', 'backup', ...args, '--json'],
      { env: { PATH: process.env.PATH ?? '', ...env } },
    ).then(
      (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
    return { code: r.code, doc: JSON.parse(r.stdout) as Record<string, unknown>, stderr: r.stderr };
  };

  it('print one JSON document each, with exit 0 on success, 1 on a failed backup, 2 on bad usage', async () => {
    const sys = await system(scratch, 'sqlite');
    await seed(sys.rt);
    // No server listens on port 9: create runs in its own process.
    const env = { QK_DATA_DIR: sys.config.dataDir, PORT: '9', QK_SCHEDULER: 'off', LOG_LEVEL: 'silent' };

    const missing = await cli(env, 'verify');
    assert.equal(missing.code, 1);
    assert.equal(missing.doc.status, 'Missing');

    const created = await cli(env, 'create');
    assert.equal(created.code, 0, JSON.stringify(created.doc));
    assert.match(created.stderr, /no server answers at http:\/\/127\.0\.0\.1:9 .*create the backup in this process/);
    const id = String(created.doc.id);

    const list = await cli(env, 'list');
    assert.deepEqual(
      (list.doc.items as { id: string }[]).map((b) => b.id),
      [id],
    );
    assert.equal(list.doc.nextCursor, null);

    const valid = await cli(env, 'verify', id);
    assert.equal(valid.code, 0);
    assert.equal(valid.doc.status, 'Valid');

    const target = await scratch.dir();
    const restored = await cli(env, 'restore', id, '--to', target);
    assert.equal(restored.code, 0, JSON.stringify(restored.doc));
    assert.equal(typeof restored.doc.rtoMs, 'number');
    const again = await cli(env, 'restore', id, '--to', target);
    assert.equal(again.code, 1);
    assert.equal((again.doc.error as { reason: string }).reason, 'target_not_empty');

    const manifestPath = join(sys.config.backup.dir, id, 'manifest.json');
    const m = JSON.parse(await readFile(manifestPath, 'utf8')) as { tables: Record<string, number> };
    m.tables.queues = 99;
    await writeFile(manifestPath, JSON.stringify(m));
    const invalid = await cli(env, 'verify', id);
    assert.equal(invalid.code, 1);
    assert.equal(invalid.doc.failedCheck, 'signature');
    const refused = await cli(env, 'restore', id, '--to', await scratch.dir());
    assert.equal(refused.code, 1);
    assert.equal((refused.doc.error as { reason: string }).reason, 'backup_invalid');

    const bad = await cli(env, 'verify', 'not/an/id');
    assert.equal(bad.code, 2);
    // A well-formed id that names nothing is a failure, not bad usage.
    const unknown = await cli(env, 'restore', 'bk_missing');
    assert.equal(unknown.code, 1);
    assert.equal((unknown.doc.error as { reason: string }).reason, 'backup_not_found');
    assert.equal((await cli(env, 'verify', 'bk_missing')).code, 1);
    const pruned = await cli(env, 'prune', '--dry-run');
    assert.equal(pruned.code, 0);
    assert.equal(pruned.doc.dryRun, true);
  });
});

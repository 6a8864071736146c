import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createBackup } from '../../src/backup/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/logging/logger.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { openStore } from '../../src/store/open.js';
import { BACKENDS, pgUrl, Scratch } from '../backup/support.js';

const scratch = new Scratch();
after(() => scratch.cleanup());

const baseEnv = (dir: string): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  QK_DATA_DIR: dir,
  QK_SCHEDULER: 'off',
  LOG_LEVEL: 'silent',
  HOST: '127.0.0.1',
});
const cli = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });

/** Starts `serve` and resolves with its address once it prints that it listens. */
function startServer(
  env: Record<string, string>,
): Promise<{ base: string; output(): string; stop(): Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m)
        resolve({
          base: m[1] as string,
          output: () => out,
          stop: () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
}

const dirs: string[] = [];
const newDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'qk-serve-'));
  dirs.push(d);
  return d;
};
after(async () => {
  const { rm } = await import('node:fs/promises');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('serve', () => {
  it('a port clash on the first start stores no admin key; the next start makes one and prints it', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as AddressInfo).port;
    const dir = newDir();
    const storedHash = async () => {
      const store = openStore(loadConfig({ QK_DATA_DIR: dir }).database);
      try {
        return await store.getMeta('master_key_hash');
      } finally {
        await store.close();
      }
    };
    try {
      const r = cli(['serve'], { ...baseEnv(dir), PORT: String(port) });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${port} \\(the port is in use\\); set PORT`));
      assert.doesNotMatch(r.stdout, /Generated admin key/);
      assert.equal(await storedHash(), null, 'no key was shown, so none is stored');
    } finally {
      blocker.close();
    }
    const server = await startServer({ ...baseEnv(dir), PORT: '0' });
    const key = /Generated admin key[^\n]*\n\s+(qk_\S+)/.exec(server.output())?.[1];
    try {
      assert.ok(key, `the key is printed: ${server.output()}`);
      assert.equal(await storedHash(), createHash('sha256').update(key).digest('hex'));
      const keys = await fetch(`${server.base}/api/keys`, { headers: { authorization: `Bearer ${key}` } });
      assert.equal(keys.status, 200);
    } finally {
      await server.stop();
    }
  });
});

for (const backend of BACKENDS) {
  describe(`serve on ${backend.name} and a restore`, { skip: backend.skip }, () => {
    it('a restore into its database is refused while it runs, and goes through once it stopped', async () => {
      const dir = newDir();
      const env: Record<string, string> = { ...baseEnv(dir), QK_MASTER_KEY: 'm'.repeat(40) };
      if (backend.name === 'postgres') env.DATABASE_URL = pgUrl(scratch.schema());
      const config = loadConfig(env);
      const rt = await createRuntime(config, { logger: createLogger({ level: 'silent' }) });
      const q = await rt.service.createQueue({ name: 'Desk', mode: 'service' });
      const b = await createBackup({ config, store: rt.store, live: rt.live });
      await rt.close();

      const server = await startServer({ ...env, PORT: '0' });
      const refused = cli(['backup', 'restore', b.id, '--force', '--json'], { ...env, PORT: '0' });
      assert.equal(refused.status, 1, refused.stderr);
      const doc = JSON.parse(refused.stdout) as { error: { code: string; reason: string; message: string } };
      assert.equal(doc.error.code, 'conflict');
      assert.equal(doc.error.reason, 'target_in_use');
      assert.match(doc.error.message, /pid \d+/);
      assert.match(doc.error.message, /stop it first/);
      // Without a key the server refuses to make a backup, and says what the key is for.
      const { QK_MASTER_KEY: _master, ...keyless } = env;
      const unauthorized = cli(['backup', 'create', '--json'], { ...keyless, QK_BASE_URL: server.base });
      assert.equal(unauthorized.status, 1);
      const denied = JSON.parse(unauthorized.stdout) as { error: { code: string; message: string } };
      assert.equal(denied.error.code, 'unauthorized');
      assert.match(denied.error.message, /to create the backup through it/);
      assert.doesNotMatch(denied.error.message, /maintenance/);
      // The server kept its database: a join is acknowledged and stays.
      const join = await fetch(`${server.base}/api/queues/${q.id}/tickets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(join.status, 201);
      assert.equal(await server.stop(), 0);
      const store = openStore(config.database);
      try {
        assert.equal((await store.admin.tableCounts()).tickets, 1);
      } finally {
        await store.close();
      }

      const restored = cli(['backup', 'restore', b.id, '--force', '--json'], env);
      assert.equal(restored.status, 0, restored.stdout + restored.stderr);
      assert.equal((JSON.parse(restored.stdout) as { replacedRows: number }).replacedRows > 0, true);
      const back = openStore(config.database);
      try {
        assert.equal((await back.admin.tableCounts()).tickets, 0, 'the backup, taken before the join, is in place');
      } finally {
        await back.close();
      }
    });
  });
}

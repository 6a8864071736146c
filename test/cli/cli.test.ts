import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { DEFAULT_QUEUE_SETTINGS } from '../../src/domain/types.js';
import { openStore } from '../../src/store/open.js';

const cli = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qk-cli-'));

  it('exits 2 with one line naming the variable when the configuration is bad', () => {
    const r = cli(['migrate'], { QK_DATA_DIR: dir, PORT: 'abc' });
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /PORT/);
  });

  it('exits 2 on bad usage and prints one JSON document with --json', () => {
    const r = cli(['keys', 'create', '--role', 'boss', '--name', 'x', '--json'], { QK_DATA_DIR: dir });
    assert.equal(r.status, 2);
    assert.equal(JSON.parse(r.stdout).error.code, 'usage');
    assert.equal(cli(['no-such-command'], { QK_DATA_DIR: dir }).status, 2);
  });

  it('a usage error that commander finds prints one JSON document too, and nothing on stderr', () => {
    const r = cli(['keys', 'create', '--role', 'operator', '--json'], { QK_DATA_DIR: dir });
    assert.equal(r.status, 2);
    const doc = JSON.parse(r.stdout) as { error: { code: string; message: string } };
    assert.equal(doc.error.code, 'usage');
    assert.match(doc.error.message, /--name/);
    assert.equal(r.stderr, '');
    const text = cli(['keys', 'create', '--role', 'operator'], { QK_DATA_DIR: dir });
    assert.equal(text.status, 2);
    assert.equal(text.stdout, '');
    assert.match(text.stderr, /--name/);
  });

  it('migrates, creates a key shown once, and reads history as JSON', () => {
    const m = cli(['migrate', '--json'], { QK_DATA_DIR: dir });
    assert.equal(m.status, 0, m.stderr);
    assert.ok(JSON.parse(m.stdout).schemaVersion >= 1);
    const k = cli(['keys', 'create', '--role', 'operator', '--name', 'desk 1', '--json'], { QK_DATA_DIR: dir });
    assert.equal(k.status, 0, k.stderr);
    assert.match(JSON.parse(k.stdout).key, /^qk_/);
    const h = cli(['maintenance', 'history', '--json'], { QK_DATA_DIR: dir });
    assert.equal(h.status, 0, h.stderr);
    assert.deepEqual(Object.keys(JSON.parse(h.stdout)), ['items', 'nextCursor']);
  });

  it('creates a site key for one waiting room, and refuses one without a room or for a service queue', async () => {
    const store = openStore(loadConfig({ QK_DATA_DIR: dir }).database);
    try {
      await store.migrate();
      await store.createQueue(
        { id: 'q_cliroom', name: 'Launch', mode: 'waiting_room', capacity: null, settings: DEFAULT_QUEUE_SETTINGS },
        new Date(),
      );
      await store.createQueue(
        { id: 'q_clidesk', name: 'Desk', mode: 'service', capacity: null, settings: DEFAULT_QUEUE_SETTINGS },
        new Date(),
      );
    } finally {
      await store.close();
    }
    const make = (...extra: string[]) =>
      cli(['keys', 'create', '--role', 'site', '--name', 'shop', '--json', ...extra], { QK_DATA_DIR: dir });
    const k = make('--queue', 'q_cliroom');
    assert.equal(k.status, 0, k.stderr);
    assert.deepEqual([JSON.parse(k.stdout).role, JSON.parse(k.stdout).queueId], ['site', 'q_cliroom']);
    assert.equal(make().status, 2);
    const desk = make('--queue', 'q_clidesk');
    assert.equal(desk.status, 2);
    assert.equal(JSON.parse(desk.stdout).error.code, 'validation_failed');
    const op = cli(['keys', 'create', '--role', 'operator', '--name', 'x', '--queue', 'q_cliroom', '--json'], {
      QK_DATA_DIR: dir,
    });
    assert.equal(op.status, 2);
  });

  it('runs a step in its own process when no server answers, exiting 0 only on success', () => {
    const env = { QK_DATA_DIR: dir, PORT: '1', QK_BASE_URL: 'http://127.0.0.1:1' };
    const ok = cli(['maintenance', 'run', 'databaseMaintenance', '--json'], env);
    const doc = JSON.parse(ok.stdout);
    // Said even with --json (on stderr, so stdout stays one document): a wrong PORT looks the same.
    assert.match(
      ok.stderr,
      /no server answers at http:\/\/127\.0\.0\.1:1 \([^)]+\); going to run databaseMaintenance in this process/,
    );
    assert.equal(doc.plan, 'databaseMaintenance');
    assert.equal(ok.status, doc.success ? 0 : 1);
    assert.equal(doc.steps[0].figures.integrity, 'ok');
    // healthCheck cannot reach the app's own /health/ready here: a failed step, exit 1.
    const failed = cli(['maintenance', 'run', 'healthCheck', '--json'], env);
    assert.equal(failed.status, 1);
    assert.equal(JSON.parse(failed.stdout).success, false);
  });

  it('exits 2 with not_found for an unknown plan, step or run id: the command names nothing', () => {
    const env = { QK_DATA_DIR: dir, PORT: '1', QK_BASE_URL: 'http://127.0.0.1:1' };
    for (const args of [
      ['maintenance', 'run', 'nope'],
      ['maintenance', 'show', 'run_nothere'],
    ]) {
      const r = cli([...args, '--json'], env);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.equal(JSON.parse(r.stdout).error.code, 'not_found', args.join(' '));
    }
  });
});

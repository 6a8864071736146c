// Backup benchmark (run by hand: `npx tsx bench/backup.ts [tickets]`). Fills a database with
// 1,000,000 waiting tickets through the store's group-commit path, then measures backup + verify
// and restore on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set. Prints one JSON
// document. Targets: backup + verify under 30 s, restore under 60 s.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withPg } from '../test/support/pg.js';
import { createBackup, restoreBackup, verifyBackup } from '../src/backup/index.js';
import { loadConfig } from '../src/config/index.js';
import { rebuildIndex } from '../src/domain/live-sync.js';
import { createLogger } from '../src/logging/logger.js';
import { createRuntime } from '../src/runtime/runtime.js';
import { fillQueue } from './fill.js';

const TICKETS = Number(process.argv[2] ?? 1_000_000);
const QUEUES = 10;
const TARGETS = { backupPlusVerifyMs: 30_000, restoreMs: 60_000 };
const pgUrl = process.env.TEST_DATABASE_URL;

async function bench(label: 'sqlite' | 'postgres') {
  const dir = await mkdtemp(join(tmpdir(), `qk-bench-backup-${label}-`));
  const schema = `bench_backup_${process.pid}`;
  const targetDb = `qk_bench_restore_${process.pid}`;
  const withSchema = (url: string, db?: string) =>
    Object.assign(new URL(url), db ? { pathname: `/${db}` } : {}).toString() +
    `${url.includes('?') ? '&' : '?'}schema=${schema}`;
  const env: Record<string, string> = {
    QK_DATA_DIR: dir,
    QK_SCHEDULER: 'off',
    LOG_LEVEL: 'silent',
    ...(label === 'postgres' && pgUrl ? { DATABASE_URL: withSchema(pgUrl) } : {}),
  };
  const config = loadConfig(env);
  const rt = await createRuntime(config, { logger: createLogger({ level: 'silent' }) });
  try {
    let t = performance.now();
    for (let q = 0; q < QUEUES; q++) {
      const queue = await rt.service.createQueue({ name: `Bench ${q}`, mode: 'service' });
      await fillQueue(rt.store, queue.id, Math.ceil(TICKETS / QUEUES), true);
    }
    await rebuildIndex(rt.store, rt.live.index);
    const fillMs = Math.round(performance.now() - t);
    const dbBytes = await rt.store.admin.sizeBytes();

    t = performance.now();
    const created = await createBackup({ config, store: rt.store, live: rt.live });
    const backupMs = Math.round(performance.now() - t);
    t = performance.now();
    const v = await verifyBackup(config, created.id);
    const verifyMs = Math.round(performance.now() - t);

    let to: string;
    if (label === 'sqlite') to = join(dir, 'restored');
    else {
      await withPg(pgUrl as string, (c) => c.query(`CREATE DATABASE "${targetDb}"`));
      to = withSchema(pgUrl as string, targetDb);
    }
    t = performance.now();
    const restored = await restoreBackup(config, created.id, { to });
    const restoreMs = Math.round(performance.now() - t);
    const checks = Object.fromEntries(v.checks.map((c) => [c.name, c.durationMs]));
    return {
      backend: label,
      tickets: created.tables.tickets,
      fillMs,
      databaseBytes: dbBytes,
      backupBytes: created.sizeBytes,
      backupMs,
      verifyMs,
      backupPlusVerifyMs: backupMs + verifyMs,
      verifyStatus: v.status,
      verifyChecksMs: checks,
      restoreMs,
      measuredRtoMs: restored.rtoMs,
      pass: v.status === 'Valid' && backupMs + verifyMs < TARGETS.backupPlusVerifyMs && restoreMs < TARGETS.restoreMs,
    };
  } finally {
    await rt.close();
    await rm(dir, { recursive: true, force: true });
    if (label === 'postgres' && pgUrl)
      await withPg(pgUrl, async (c) => {
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await c.query(`DROP DATABASE IF EXISTS "${targetDb}" WITH (FORCE)`);
      });
  }
}

const results = [await bench('sqlite')];
if (pgUrl) results.push(await bench('postgres'));
process.stdout.write(`${JSON.stringify({ targets: TARGETS, results }, null, 2)}\n`);

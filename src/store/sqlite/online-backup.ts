import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * SQLite's online backup API, run in a worker thread with its own connection. Copying every page
 * in a single step holds one read transaction, so the copy is one consistent moment while writers
 * carry on (WAL). One step over a large file takes seconds: the worker keeps it off the server's
 * event loop. The worker is plain CommonJS so it needs no TypeScript loader.
 */
const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const report = (m) => parentPort.postMessage(m);
const failed = (e) => report({ ok: false, error: String((e && e.message) || e) });
(async () => {
  const Database = require(workerData.driver);
  const db = new Database(workerData.source, { fileMustExist: true });
  try {
    // exec, not pragma(): a prepared Statement left for the worker's teardown to collect aborts
    // Node 24 (better-sqlite3 12 removes its cleanup hook after the environment is gone).
    db.exec('PRAGMA busy_timeout = 5000');
    const p = await db.backup(workerData.dest, { progress: () => 0x7fffffff });
    report({ ok: true, pages: p.totalPages });
  } finally {
    db.close();
  }
})().catch(failed);
`;

export function onlineBackup(source: string, dest: string): Promise<{ pages: number }> {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, workerData: { driver, source, dest }, execArgv: [] });
    let settled = false;
    worker.once('message', (m: { ok: boolean; pages?: number; error?: string }) => {
      settled = true;
      if (m.ok) resolve({ pages: m.pages ?? 0 });
      else reject(new Error(m.error ?? 'backup failed'));
    });
    worker.once('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the backup worker exited with code ${code}`));
    });
  });
}

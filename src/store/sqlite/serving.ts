import { chmodSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { BackupError } from '../../errors/index.js';
import { inUseMessage, type Claim, type ClaimHolder, type ServingClaims } from '../serving-contract.js';
import { openDatabase, prepareKept } from './driver.js';

const isBusy = (e: unknown): boolean => /^SQLITE_(BUSY|LOCKED)/.test(String((e as { code?: string }).code));

/**
 * Claims on a SQLite database are SQLite's own file locks on a small companion database,
 * `<file>.serving`, in rollback-journal mode: a server holds a read transaction (a shared lock),
 * a restore an exclusive one. The operating system drops the locks with the process. The file
 * also lists servers (pid, address) for the refusal message; only a server that started while no
 * other was running can add itself, so the list may be short, never the lock.
 */
export function sqliteClaims(path: string): ServingClaims {
  const file = `${path}.serving`;
  const open = (): Database.Database => {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const db = openDatabase(file);
    // It names servers (pid, address, host): owner-only, like the database beside it. Another
    // user's file (a restore run as root) keeps its mode.
    try {
      chmodSync(file, 0o600);
    } catch {
      /* not ours to change */
    }
    db.exec('PRAGMA busy_timeout = 0');
    return db;
  };
  const holders = (db: Database.Database): ClaimHolder[] => {
    try {
      return (
        prepareKept(db, 'SELECT pid, address, host FROM servers ORDER BY pid').all() as {
          pid: number;
          address: string;
          host: string;
        }[]
      ).map((r) => ({ pid: r.pid, address: r.address, host: r.host }));
    } catch {
      return [];
    }
  };
  const table = 'CREATE TABLE IF NOT EXISTS servers (pid INTEGER NOT NULL, address TEXT NOT NULL, host TEXT NOT NULL)';
  const releaser = (db: Database.Database): Claim => ({
    release: async () => {
      if (db.inTransaction) db.exec('ROLLBACK');
      db.close();
    },
  });

  return {
    async serve(info) {
      const db = open();
      try {
        try {
          // Alone on the database: earlier entries are servers that are gone.
          db.exec('BEGIN EXCLUSIVE');
          db.exec(table);
          db.exec('DELETE FROM servers');
          prepareKept(db, 'INSERT INTO servers (pid, address, host) VALUES (?, ?, ?)').run(
            info.pid,
            info.address,
            hostname(),
          );
          db.exec('COMMIT');
        } catch (e) {
          if (!isBusy(e)) throw e;
          if (db.inTransaction) db.exec('ROLLBACK');
        }
        try {
          db.exec('BEGIN');
          prepareKept(db, 'SELECT count(*) FROM sqlite_master').get();
        } catch (e) {
          if (!isBusy(e)) throw e;
          throw new BackupError(
            'target_in_use',
            `a restore is putting a backup into ${path}; start the server again once it has finished`,
          );
        }
        return releaser(db);
      } catch (e) {
        if (db.inTransaction) db.exec('ROLLBACK');
        db.close();
        throw e;
      }
    },

    async restore() {
      const db = open();
      try {
        db.exec('BEGIN EXCLUSIVE');
      } catch (e) {
        const known = isBusy(e) ? holders(db) : [];
        db.close();
        if (!isBusy(e)) throw e;
        throw new BackupError('target_in_use', inUseMessage(path, known), { details: { servers: known } });
      }
      return releaser(db);
    },
  };
}

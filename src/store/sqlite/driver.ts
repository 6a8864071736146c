import Database from 'better-sqlite3';

/**
 * Every connection and statement this process ever made, so the garbage collector never frees
 * one. better-sqlite3 12 built against Node 24's headers unhooks each freed object from Node's
 * exit cleanup while no Node environment is current, and Node aborts the process (exit 134) on
 * the first collection that finds one, closed or not. Kept here, they are freed by that exit
 * cleanup instead. A closed connection keeps only its small wrappers (close() releases SQLite's
 * handles), and connections are opened a few times per start, backup or restore, not per request.
 */
const kept = new Set<object>();

/** Opens a connection whose statements, however prepared, outlive it like the connection itself. */
export function openDatabase(path: string, options?: Database.Options): Database.Database {
  const db = new Database(path, options);
  kept.add(db);
  const prepare = db.prepare.bind(db);
  db.prepare = ((source: string) => {
    const stmt = prepare(source);
    kept.add(stmt);
    return stmt;
  }) as Database.Database['prepare'];
  return db;
}

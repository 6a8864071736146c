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

/** Opens a connection that outlives its last use. */
export function openDatabase(path: string, options?: Database.Options): Database.Database {
  const db = new Database(path, options);
  kept.add(db);
  return db;
}

/** Prepares a statement that outlives its last use: the only way src prepares one. */
export function prepareKept(db: Database.Database, source: string): Database.Statement {
  const stmt = db.prepare(source);
  kept.add(stmt);
  return stmt;
}

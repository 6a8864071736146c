/** SQLite result codes as better-sqlite3 reports them (`err.code`). */
const code = (e: unknown): string =>
  e && typeof e === 'object' && 'code' in e ? String((e as { code: unknown }).code) : '';

export const isSqliteTransient = (e: unknown): boolean => /^SQLITE_(BUSY|LOCKED)/.test(code(e));

/** The file is gone, read-only or the disk is full: the database cannot serve requests. */
export const isSqliteUnavailable = (e: unknown): boolean =>
  /^SQLITE_(CANTOPEN|IOERR|FULL|READONLY|NOTADB)/.test(code(e)) ||
  (e instanceof TypeError && /database connection is not open/.test(e.message));

import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { BackupError } from '../../errors/index.js';

export interface PgTools {
  readonly pgDump: string;
  readonly pgRestore: string;
  /** The tools' version, e.g. "15.20". */
  readonly version: string;
  readonly major: number;
}

const exec = promisify(execFile);
const INSTALL_ROOT = '/usr/lib/postgresql';

/** "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)" → 15. */
export function parseToolVersion(out: string): { version: string; major: number } | null {
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(out);
  if (!m) return null;
  return { version: m[2] === undefined ? String(m[1]) : `${m[1]}.${m[2]}`, major: Number(m[1]) };
}

async function versionOf(bin: string): Promise<{ version: string; major: number } | null> {
  try {
    const { stdout } = await exec(bin, ['--version'], { timeout: 10_000 });
    return parseToolVersion(stdout);
  } catch {
    return null;
  }
}

/** Every /usr/lib/postgresql/<major>/bin/pg_dump, newest major first. */
async function installedDumps(): Promise<string[]> {
  try {
    const majors = (await readdir(INSTALL_ROOT)).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a));
    return majors.map((d) => join(INSTALL_ROOT, d, 'bin', 'pg_dump'));
  } catch {
    return [];
  }
}

/**
 * Finds pg_dump and its pg_restore: only the configured path when one is set, else the pair on
 * PATH, else each installed /usr/lib/postgresql/<major>/bin, newest first. pg_dump refuses a
 * server newer than itself, so the first whose major version is at least the server's wins.
 */
export async function findPgTools(configured: string | null, serverMajor: number): Promise<PgTools> {
  // A bare name is looked up on PATH by the operating system when it runs.
  const candidates = configured ? [configured] : ['pg_dump', ...(await installedDumps())];
  const found: string[] = [];
  for (const pgDump of candidates) {
    const v = await versionOf(pgDump);
    if (!v) continue;
    found.push(`${pgDump} ${v.version}`);
    if (v.major < serverMajor) continue;
    const pgRestore = pgDump.includes('/') ? join(dirname(pgDump), 'pg_restore') : 'pg_restore';
    const r = await versionOf(pgRestore);
    if (r === null || r.major !== v.major) {
      found.push(`(no matching pg_restore beside ${pgDump})`);
      continue;
    }
    return { pgDump, pgRestore, ...v };
  }
  const where = configured ?? `PATH and ${INSTALL_ROOT}/*/bin`;
  if (found.length === 0)
    throw new BackupError(
      'pg_dump_missing',
      `pg_dump was not found (looked at ${where}); install the PostgreSQL ${serverMajor} client tools or set QK_PG_DUMP to pg_dump's path`,
      { details: { serverMajor } },
    );
  throw new BackupError(
    'pg_dump_version_mismatch',
    `no pg_dump fits the server (PostgreSQL ${serverMajor}): found ${found.join(', ')}; pg_dump must be version ${serverMajor} or newer, with pg_restore beside it`,
    { details: { serverMajor, found } },
  );
}

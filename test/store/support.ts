import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import pg from 'pg';
import type { Store } from '../../src/store/contract.js';
import { openStore } from '../../src/store/open.js';
import { TEST_DATABASE_URL, uniqueName } from '../support/env.js';

/**
 * Stores for one test file: SQLite files in a private folder, PostgreSQL schemas named for this
 * file and process. Everything is removed when the file's tests end.
 */
export function storeFixtures(label: string) {
  const dir = mkdtempSync(join(tmpdir(), `qk-${label}-`));
  const base = uniqueName(label);
  const schemas = new Set<string>();
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    if (!TEST_DATABASE_URL || schemas.size === 0) return;
    const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await c.connect();
    for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    await c.end();
  });
  return {
    dir,
    sqlite: (file: string): Store => openStore({ kind: 'sqlite', path: join(dir, file) }),
    /** A schema per name; opening the same name twice gives two stores (two nodes) on one schema. */
    postgres: (name: string): Store => {
      const schema = `${base}_${name}`;
      schemas.add(schema);
      return openStore({ kind: 'postgres', url: TEST_DATABASE_URL, schema });
    },
  };
}

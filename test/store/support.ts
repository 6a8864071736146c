import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { dropSchema } from '../support/pg.js';
import type { Store } from '../../src/store/contract.js';
import { newId } from '../../src/domain/tokens.js';
import type { TicketPriority } from '../../src/domain/types.js';
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
    for (const s of schemas) await dropSchema(TEST_DATABASE_URL, s);
  });
  const schemaOf = (name: string): string => `${base}_${name}`;
  return {
    dir,
    /** The PostgreSQL schema `postgres(name)` opens, for a test's own client. */
    schemaOf,
    sqlite: (file: string): Store => openStore({ kind: 'sqlite', path: join(dir, file) }),
    /** A schema per name; opening the same name twice gives two stores (two nodes) on one schema. */
    postgres: (name: string): Store => {
      const schema = schemaOf(name);
      schemas.add(schema);
      return openStore({ kind: 'postgres', url: TEST_DATABASE_URL, schema });
    },
  };
}

/** A join as the store takes it: a fresh id, a fixed token hash, nothing optional. */
export const joinReq = (priority: TicketPriority, name: string) => ({
  id: newId('t'),
  tokenHash: '0'.repeat(64),
  priority,
  name,
  contact: null,
  metadata: null,
  idempotencyKey: null,
  sealedToken: null,
});

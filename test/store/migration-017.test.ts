import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Migrator, sql } from 'kysely';
import type { DialectParts } from '../../src/store/kysely/dialect.js';
import { KyselyStore } from '../../src/store/kysely/store.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { openPostgres } from '../../src/store/postgres/connect.js';
import { openSqlite } from '../../src/store/sqlite/connect.js';
import { skipPg, TEST_DATABASE_URL, uniqueName } from '../support/env.js';
import { dropSchema } from '../support/pg.js';

/**
 * Upgrading a large PostgreSQL installation: the operator builds the tickets indexes of 014 and
 * 017 beforehand without blocking writes (CREATE INDEX CONCURRENTLY, docs/cli.md), then the
 * migrations find them and apply.
 */

const dir = mkdtempSync(join(tmpdir(), 'qk-mig017-'));
const schemas: string[] = [];
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  for (const s of schemas) await dropSchema(TEST_DATABASE_URL, s);
});

const PREBUILT = [
  `CREATE INDEX CONCURRENTLY IF NOT EXISTS tickets_waiting_seen
     ON tickets (queue_id, (coalesce(seen_at, created_at))) WHERE status = 'waiting'`,
  `CREATE INDEX CONCURRENTLY IF NOT EXISTS tickets_admitted_until
     ON tickets (queue_id, admitted_until) WHERE status = 'admitted'`,
];

const BACKENDS: { name: string; skip: false | string; open: () => DialectParts }[] = [
  { name: 'SQLite', skip: false, open: () => openSqlite(join(dir, `${uniqueName('s')}.db`)) },
  {
    name: 'PostgreSQL',
    skip: skipPg,
    open: () => {
      const schema = uniqueName('m17');
      schemas.push(schema);
      return openPostgres({ url: TEST_DATABASE_URL, schema });
    },
  },
];

async function indexCount(p: DialectParts, name: string): Promise<number> {
  const r =
    p.kind === 'sqlite'
      ? await sql<{
          n: number;
        }>`SELECT count(*) AS n FROM sqlite_master WHERE type = 'index' AND name = ${name}`.execute(p.db)
      : await sql<{
          n: string;
        }>`SELECT count(*) AS n FROM pg_indexes WHERE schemaname = current_schema() AND indexname = ${name}`.execute(
          p.db,
        );
  return Number(r.rows[0]?.n);
}

for (const b of BACKENDS) {
  describe(`tickets indexes built before the upgrade on ${b.name}`, { skip: b.skip }, () => {
    it('applies 014 and 017 over the indexes an operator built beforehand', async () => {
      const parts = b.open();
      const store = new KyselyStore(parts);
      try {
        await parts.prepare();
        const migrator = new Migrator({
          db: parts.background,
          provider: migrationProvider(parts.kind),
          ...(parts.migrationSchema ? { migrationTableSchema: parts.migrationSchema } : {}),
        });
        assert.equal((await migrator.migrateTo('013_site_keys')).error, undefined);
        // SQLite has no CONCURRENTLY; its plain build is what an operator would run there.
        for (const text of PREBUILT)
          await sql.raw(parts.kind === 'sqlite' ? text.replace(' CONCURRENTLY', '') : text).execute(parts.background);
        const { applied } = await store.migrate();
        assert.ok(applied.includes('014_waiting_seen') && applied.includes('017_active_sessions'), applied.join());
        assert.equal(await indexCount(parts, 'tickets_waiting_seen'), 1);
        assert.equal(await indexCount(parts, 'tickets_admitted_until'), 1);
        assert.deepEqual((await store.migrate()).applied, [], 'nothing left to apply');
      } finally {
        await store.close();
      }
    });
  });
}

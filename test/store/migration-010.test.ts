import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Migrator, sql, type Kysely } from 'kysely';
import { unsealToken } from '../../src/domain/tokens.js';
import type { DatabaseConfig } from '../../src/config/index.js';
import type { DialectParts } from '../../src/store/kysely/dialect.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { openStore } from '../../src/store/open.js';
import { openPostgres } from '../../src/store/postgres/connect.js';
import { openSqlite } from '../../src/store/sqlite/connect.js';
import { dropSchema } from '../support/pg.js';
import { skipPg, TEST_DATABASE_URL, uniqueName } from '../support/env.js';
import { storeFixtures } from './support.js';

const fx = storeFixtures('mig010');
const schemas: string[] = [];
after(async () => {
  for (const s of schemas) await dropSchema(TEST_DATABASE_URL, s);
});

const SECRET = 'whsec_b2xkIHNlY3JldCBpbiBjbGVhciwgYmVmb3JlIDAwNg==';

const backends: { name: string; skip: string | false; make(): DatabaseConfig }[] = [
  { name: 'sqlite', skip: false, make: () => ({ kind: 'sqlite', path: join(fx.dir, 'old.db') }) },
  {
    name: 'postgres',
    skip: skipPg,
    make: () => {
      const schema = uniqueName('mig010');
      schemas.push(schema);
      return { kind: 'postgres', url: TEST_DATABASE_URL, schema };
    },
  },
];

const partsOf = (db: DatabaseConfig): DialectParts =>
  db.kind === 'sqlite' ? openSqlite(db.path) : openPostgres({ url: db.url, schema: db.schema });

for (const backend of backends) {
  describe(`migration 010 (sealed webhook secrets) on ${backend.name}`, { skip: backend.skip }, () => {
    it('seals the secrets of webhooks registered before it under the database’s seal key', async () => {
      const config = backend.make();
      const parts = partsOf(config);
      await parts.prepare();
      const db = parts.background as unknown as Kysely<unknown>;
      const { error } = await new Migrator({
        db,
        provider: migrationProvider(config.kind),
        ...(parts.migrationSchema ? { migrationTableSchema: parts.migrationSchema } : {}),
      }).migrateTo('009_recalls');
      assert.equal(error, undefined);
      await sql`INSERT INTO webhooks (id, url, events, secret, include_contact, created_at)
        VALUES ('wh_old', 'https://hooks.example.org/x', '["ticket.joined"]', ${SECRET}, 0, 0),
               ('email', 'mailto:', '["ticket.near"]', '', 1, 0)`.execute(db);
      await parts.close();

      const store = openStore(config);
      try {
        assert.ok((await store.migrate()).applied.includes('010_sealed_webhook_secrets'));
        const key = await store.getMeta('token_seal_key');
        assert.match(key ?? '', /^[0-9a-f]{64}$/, 'the seal key the runtime will use');
        const after = partsOf(config);
        try {
          const rows = await sql<{ id: string; sealed_secret: string }>`
            SELECT id, sealed_secret FROM webhooks ORDER BY id`.execute(after.db);
          const [email, old] = rows.rows;
          assert.equal(email?.sealed_secret, '', 'the email channel signs nothing');
          assert.ok(old && !old.sealed_secret.includes(SECRET.slice(6)), 'no longer in clear');
          assert.equal(unsealToken(old.sealed_secret, Buffer.from(key ?? '', 'hex')), SECRET);
        } finally {
          await after.close();
        }
      } finally {
        await store.close();
      }
    });
  });
}

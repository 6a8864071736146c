import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openPostgres } from '../../src/store/postgres/connect.js';
import { skipPg, TEST_DATABASE_URL, uniqueName } from '../support/env.js';
import { dropSchema } from '../support/pg.js';

const schema = uniqueName('prepared');
after(async () => {
  if (TEST_DATABASE_URL) await dropSchema(TEST_DATABASE_URL, schema);
});

describe('PostgreSQL statements', { skip: skipPg }, () => {
  it('parameterised queries run as named prepared statements, at most 128 texts of them', async () => {
    // One connection, so the session that prepared is the one asked.
    const parts = openPostgres({ url: TEST_DATABASE_URL, schema, poolSize: 1 });
    try {
      await parts.prepare();
      const prepared = async () =>
        (
          await sql<{ name: string; statement: string }>`SELECT name, statement FROM pg_prepared_statements`.execute(
            parts.db,
          )
        ).rows;
      assert.deepEqual(await prepared(), []);
      for (let i = 0; i < 3; i++) await sql`SELECT ${i}::int AS v`.execute(parts.db);
      const once = await prepared();
      assert.equal(once.length, 1, 'the same text is prepared once and reused');
      assert.match(once[0]!.name, /^qk_\d+$/);
      assert.match(once[0]!.statement, /SELECT \$1::int AS v/);
      // Many distinct texts: past the cap they run unnamed and the session keeps no more.
      for (let i = 0; i < 140; i++) await sql`SELECT ${i}::int AS ${sql.id(`v${i}`)}`.execute(parts.db);
      assert.equal((await prepared()).length, 128);
      assert.equal((await sql<{ v: number }>`SELECT ${41}::int + 1 AS v`.execute(parts.db)).rows[0]?.v, 42);
    } finally {
      await parts.close();
    }
  });
});

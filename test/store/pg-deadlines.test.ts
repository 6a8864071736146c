import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { isAppError } from '../../src/errors/index.js';
import { retrying } from '../../src/store/kysely/retry.js';
import { openPostgres } from '../../src/store/postgres/connect.js';
import { skipPg, TEST_DATABASE_URL, uniqueName } from '../support/env.js';
import { dropSchema } from '../support/pg.js';

const schema = uniqueName('deadlines');
after(async () => {
  if (TEST_DATABASE_URL) await dropSchema(TEST_DATABASE_URL, schema);
});

describe('PostgreSQL deadlines', { skip: skipPg }, () => {
  it("a request's statement ends after its few seconds and answers unavailable; background work may run longer", async () => {
    const parts = openPostgres({ url: TEST_DATABASE_URL, schema, backgroundTimeoutMs: 20_000 });
    const run = retrying(parts);
    try {
      await parts.prepare();
      await assert.rejects(
        run(() => sql`SELECT pg_sleep(3.5)`.execute(parts.db)),
        (e) => isAppError(e) && e.code === 'unavailable',
      );
      // The server ended the statement and kept the connection: the pool still answers at once.
      assert.equal((await sql<{ v: number }>`SELECT 1 AS v`.execute(parts.db)).rows[0]?.v, 1);
      await run(() => sql`SELECT pg_sleep(3.5)`.execute(parts.background));
    } finally {
      await parts.close();
    }
  });
});

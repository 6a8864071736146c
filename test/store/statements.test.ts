import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import { DeadlineExceeded } from '../../src/resilience/index.js';
import { deadlineClient } from '../../src/store/postgres/client.js';
import { openSqlite } from '../../src/store/sqlite/connect.js';
import { skipPg, TEST_DATABASE_URL } from '../support/env.js';

const dir = mkdtempSync(join(tmpdir(), 'qk-statements-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite statements', () => {
  it("Kysely's queries are served from the connection's cache; the driver's prepare stays its own", async () => {
    const parts = openSqlite(join(dir, 'a.db'));
    try {
      assert.equal(parts.raw.prepare, Database.prototype.prepare, 'prepare is not replaced');
      const before = parts.statements.size;
      for (let i = 0; i < 3; i++) await sql`SELECT ${i} AS v`.execute(parts.db);
      assert.equal(parts.statements.size, before + 1, 'one text, one statement');
      parts.raw.exec('CREATE TABLE t (x INTEGER); CREATE INDEX t_x ON t (x)');
      // A read that was prepared elsewhere answers in the default mode: nobody plucks a shared statement.
      await parts.admin(parts.db).reindex();
      const rows = (
        await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name`.execute(parts.db)
      ).rows;
      assert.deepEqual(rows, [{ name: 't_x' }]);
    } finally {
      await parts.close();
    }
  });

  it('are all kept for the connection’s life past 4096 texts, and the growth is reported', async () => {
    const reports: number[] = [];
    const parts = openSqlite(join(dir, 'b.db'), { onStatementGrowth: (n) => reports.push(n) });
    try {
      const start = parts.statements.size;
      const n = 4200;
      for (let i = 0; i < n; i++) await sql`SELECT ${i} AS ${sql.id(`v${i}`)}`.execute(parts.db);
      assert.equal(parts.statements.size, start + n, 'no text is left for the garbage collector');
      assert.deepEqual(reports, [4096]);
    } finally {
      await parts.close();
    }
  });
});

describe('PostgreSQL client class', { skip: skipPg }, () => {
  const pool = (deadlineMs: number) =>
    new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1, Client: deadlineClient(deadlineMs) });

  it('names parameterised statements in both calling styles (promise and callback)', async () => {
    const p = pool(5000);
    try {
      await p.query('SELECT $1::int AS v', [1]);
      await new Promise<void>((resolve, reject) =>
        p.query('SELECT $1::text AS w', ['x'], (err) => (err ? reject(err) : resolve())),
      );
      const names = (await p.query('SELECT name FROM pg_prepared_statements ORDER BY name')).rows.map((r) => r.name);
      assert.deepEqual(names, ['qk_1', 'qk_2']);
    } finally {
      await p.end();
    }
  });

  it('a query without an answer by its deadline fails with DeadlineExceeded and its connection is dropped', async () => {
    const p = pool(300);
    try {
      const pid = (await p.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      await assert.rejects(p.query('SELECT pg_sleep(5)'), DeadlineExceeded);
      const next = (await p.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      assert.notEqual(next, pid, 'the next query runs on a new connection');
    } finally {
      await p.end();
    }
  });
});

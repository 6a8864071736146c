import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openDatabase } from '../../src/store/sqlite/driver.js';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { openStore } from '../../src/store/open.js';
import { storeFixtures } from './support.js';

const fx = storeFixtures('mig002');

describe('migration 002 (waiting counters by priority)', () => {
  it('counts the high-priority waiting tickets of a database made before it', async () => {
    const path = join(fx.dir, 'old.db');
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: openDatabase(path) }) });
    const { error } = await new Migrator({ db, provider: migrationProvider('sqlite') }).migrateTo('001_core');
    assert.equal(error, undefined);
    await sql`INSERT INTO queues (id, name, mode, status, settings, waiting_count, last_number, last_seq, created_at, updated_at)
      VALUES ('q1', 'q', 'service', 'open', '{}', 3, 4, 4, 0, 0)`.execute(db);
    const ticket = (id: string, status: string, priority: number, seq: number) =>
      sql`INSERT INTO tickets (id, queue_id, number, status, priority, seq, token_hash, created_at, updated_at)
        VALUES (${id}, 'q1', ${seq}, ${status}, ${priority}, ${seq}, 'h', 0, 0)`.execute(db);
    await ticket('a', 'waiting', 0, 1);
    await ticket('b', 'waiting', 1, 2);
    await ticket('c', 'served', 0, 3);
    await ticket('d', 'waiting', 0, 4);
    await db.destroy();

    const store = openStore({ kind: 'sqlite', path });
    assert.deepEqual((await store.migrate()).applied.slice(0, 1), ['002_waiting_by_priority']);
    assert.deepEqual((await store.admin.integrity()).problems, []);
    // The next join counts the two high-priority tickets already waiting.
    const [o] = await store.joinMany(
      'q1',
      [
        {
          id: 'e',
          tokenHash: 'h',
          priority: 'high',
          name: null,
          contact: null,
          metadata: null,
          idempotencyKey: null,
          sealedToken: null,
        },
      ],
      new Date(),
    );
    assert.equal(o?.kind === 'joined' && o.position, 3);
    await store.close();
  });
});

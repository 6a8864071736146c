import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openDatabase } from '../../src/store/sqlite/driver.js';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { openStore } from '../../src/store/open.js';
import { storeFixtures } from './support.js';

const fx = storeFixtures('mig005');

describe('migration 005 (the range quoted at join)', () => {
  it('leaves older tickets without a quote and measures only the quoted ones', async () => {
    const path = join(fx.dir, 'old.db');
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: openDatabase(path) }) });
    const { error } = await new Migrator({ db, provider: migrationProvider('sqlite') }).migrateTo(
      '002_waiting_by_priority',
    );
    assert.equal(error, undefined);
    await sql`INSERT INTO queues (id, name, mode, status, settings, waiting_count, waiting_high, last_number, last_seq, created_at, updated_at)
      VALUES ('q1', 'q', 'service', 'open', '{}', 1, 0, 1, 1, 0, 0)`.execute(db);
    await sql`INSERT INTO tickets (id, queue_id, number, status, priority, seq, token_hash, created_at, updated_at)
      VALUES ('old', 'q1', 1, 'waiting', 1, 1, 'h', 0, 0)`.execute(db);
    await db.destroy();

    const store = openStore({ kind: 'sqlite', path });
    assert.ok((await store.migrate()).applied.includes('005_eta_at_join'));
    assert.equal((await store.getTicket('old'))?.etaAtJoin, null);
    const called = await store.callNext('q1', 'called', null, new Date(60_000));
    assert.equal(called?.id, 'old');
    const q = await store.getQueue('q1');
    assert.equal(q?.etaWindow, null, 'a ticket without a quote measures nothing');
    assert.equal(q?.etaScale, null);
    await store.close();
  });
});

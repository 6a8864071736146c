import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { newId } from '../../src/domain/tokens.js';
import { DEFAULT_QUEUE_SETTINGS } from '../../src/domain/types.js';
import { openDatabase, prepareKept } from '../../src/store/sqlite/driver.js';
import { skipPg, TEST_DATABASE_URL, uniqueName } from '../support/env.js';
import { joinRequest } from '../support/join-request.js';
import { withPg } from '../support/pg.js';
import { storeFixtures } from './support.js';

/**
 * A room's active sessions (the admission tick's count, the estimate's session ends) among all the
 * admissions it ever made: admitted is a ticket's last status, so ended sessions pile up all day.
 * Both reads go through the partial index of admitted tickets by session end, never over the rest.
 */

const fx = storeFixtures('active_sessions');
const T0 = Date.parse('2026-05-01T09:00:00Z');
const COUNT_SQL = (now: number) =>
  `SELECT count(*) FROM tickets WHERE queue_id = 'x' AND status = 'admitted' AND admitted_until > ${now}`;

function sqlitePlan(file: string): string {
  const db = openDatabase(file, { readonly: true });
  try {
    return (prepareKept(db, `EXPLAIN QUERY PLAN ${COUNT_SQL(T0)}`).all() as { detail: string }[])
      .map((r) => r.detail)
      .join('\n');
  } finally {
    db.close();
  }
}

async function pgPlan(name: string): Promise<string> {
  const schemas = await withPg(TEST_DATABASE_URL, (c) =>
    c.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`, [`%\\_${name}`]),
  );
  const schema = schemas.rows[0]?.nspname;
  assert.ok(schema, 'the store’s schema');
  return withPg(
    TEST_DATABASE_URL,
    async (c) => {
      // A few rows would be read sequentially anyway; the question is whether the index serves.
      await c.query('SET enable_seqscan = off');
      const r = await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${COUNT_SQL(T0)}`);
      return r.rows.map((row) => row['QUERY PLAN']).join('\n');
    },
    { searchPath: schema },
  );
}

const BACKENDS = [
  {
    name: 'SQLite',
    skip: false as const,
    open: () => {
      const file = `${uniqueName('s')}.db`;
      return { store: fx.sqlite(file), plan: () => sqlitePlan(join(fx.dir, file)) };
    },
  },
  {
    name: 'PostgreSQL',
    skip: skipPg,
    open: () => {
      const name = uniqueName('p');
      return { store: fx.postgres(name), plan: () => pgPlan(name) };
    },
  },
];

for (const b of BACKENDS) {
  describe(`active sessions on ${b.name}`, { skip: b.skip }, () => {
    it('counts and lists only the sessions still running, soonest end first, from the partial index', async () => {
      const { store, plan } = b.open();
      await store.migrate();
      const room = await store.createQueue(
        { id: newId('q'), name: 'room', mode: 'waiting_room', capacity: null, settings: DEFAULT_QUEUE_SETTINGS },
        new Date(T0),
      );
      await store.joinMany(
        room.id,
        Array.from({ length: 8 }, () => joinRequest()),
        new Date(T0),
      );
      // Eight admissions a minute apart, each for ten minutes: at T0 + 15 min the last three run.
      for (let i = 0; i < 8; i++) {
        const at = T0 + (i + 1) * 60_000;
        assert.ok(await store.callNext(room.id, 'admitted', null, new Date(at), at + 600_000));
      }
      const now = new Date(T0 + 15 * 60_000 + 1);
      assert.equal(await store.waitingRooms.activeSessions(room.id, now), 3);
      assert.deepEqual(await store.waitingRooms.sessionEnds(room.id, now, 2), [T0 + 16 * 60_000, T0 + 17 * 60_000]);
      assert.match(await plan(), /tickets_admitted_until/, 'the count reads the partial index of admitted tickets');
      await store.close();
    });
  });
}

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openDatabase, prepareKept } from '../../src/store/sqlite/driver.js';
import { newId } from '../../src/domain/tokens.js';
import type { Store } from '../../src/store/contract.js';
import { skipPg, TEST_DATABASE_URL, uniqueName } from '../support/env.js';
import { joinRequest } from '../support/join-request.js';
import { withPg } from '../support/pg.js';
import { storeFixtures } from './support.js';

/**
 * The display board's "now serving": per queue, the tickets being called, newest call first, at
 * most N, read through the partial index of called tickets on both engines.
 */

const fx = storeFixtures('now_serving');
const DEFAULTS = { averageServiceSeconds: 300, ticketTtlSeconds: 0, notifyAtPosition: 3 };
const T0 = Date.parse('2026-05-01T09:00:00Z');

/** A queue with `n` tickets called one minute apart at desks D1, D2, …; returns the called numbers in call order. */
async function calledQueue(store: Store, n: number): Promise<{ id: string; calls: { number: number; id: string }[] }> {
  const q = await store.createQueue(
    { id: newId('q'), name: 'q', mode: 'service', capacity: null, settings: DEFAULTS },
    new Date(T0),
  );
  await store.joinMany(
    q.id,
    Array.from({ length: n }, () => joinRequest()),
    new Date(T0),
  );
  const calls = [];
  for (let i = 0; i < n; i++) {
    const t = await store.callNext(q.id, 'called', `D${i + 1}`, new Date(T0 + (i + 1) * 60_000));
    assert.ok(t);
    calls.push({ number: t.number, id: t.id });
  }
  return { id: q.id, calls };
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

const BOARD_SQL = `SELECT * FROM tickets WHERE queue_id = 'x' AND status = 'called' ORDER BY coalesce(recalled_at, called_at) DESC LIMIT 6`;

function sqlitePlan(file: string): string {
  const db = openDatabase(file, { readonly: true });
  try {
    return (prepareKept(db, `EXPLAIN QUERY PLAN ${BOARD_SQL}`).all() as { detail: string }[])
      .map((r) => r.detail)
      .join('\n');
  } finally {
    db.close();
  }
}

/** The schema `storeFixtures` made for `name`, then the board's plan in it. */
async function pgPlan(name: string): Promise<string> {
  const schemas = await withPg(TEST_DATABASE_URL, (c) =>
    c.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`, [`%\\_${name}`]),
  );
  const schema = schemas.rows[0]?.nspname;
  assert.ok(schema, 'the store’s schema');
  return withPg(
    TEST_DATABASE_URL,
    async (c) => {
      // A handful of rows would be read sequentially anyway; the question is whether the index serves.
      await c.query('SET enable_seqscan = off');
      const r = await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${BOARD_SQL}`);
      return r.rows.map((row) => row['QUERY PLAN']).join('\n');
    },
    { searchPath: schema },
  );
}

for (const b of BACKENDS) {
  describe(`now serving on ${b.name}`, { skip: b.skip }, () => {
    it('lists the newest calls of this queue only, newest first (a recall counts as new), leaving out served tickets', async () => {
      const { store, plan } = b.open();
      await store.migrate();
      const busy = await calledQueue(store, 9);
      const other = await calledQueue(store, 2);
      // The two most recent calls were served: they leave the board.
      for (const c of busy.calls.slice(-2))
        await store.transition(c.id, ['called'], { to: 'served' }, new Date(T0 + 3_600_000));
      const shown = await store.nowServing(busy.id, 4);
      assert.deepEqual(
        shown.map((t) => [t.number, t.counter]),
        [
          [7, 'D7'],
          [6, 'D6'],
          [5, 'D5'],
          [4, 'D4'],
        ],
      );
      assert.deepEqual(
        (await store.nowServing(other.id, 6)).map((t) => t.number),
        [2, 1],
      );
      // A recall to another desk brings the oldest call back to the top.
      const first = busy.calls[0]!;
      await store.transition(
        first.id,
        ['called'],
        { to: 'called', recall: true, counter: 'D9' },
        new Date(T0 + 7_200_000),
      );
      assert.deepEqual(
        (await store.nowServing(busy.id, 3)).map((t) => [t.number, t.counter]),
        [
          [1, 'D9'],
          [7, 'D7'],
          [6, 'D6'],
        ],
      );
      assert.match(await plan(), /tickets_now_serving/, 'the board reads the partial index of called tickets');
      await store.close();
    });
  });
}

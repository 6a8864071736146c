import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { DEFAULT_QUEUE_SETTINGS, type TicketRecord } from '../../src/domain/types.js';
import { isAppError } from '../../src/errors/index.js';
import type { Store } from '../../src/store/contract.js';
import { skipPg, TEST_DATABASE_URL } from '../support/env.js';
import { withPg } from '../support/pg.js';
import { joinReq, storeFixtures } from './support.js';

const stores = storeFixtures('call_contention');

const req = joinReq;

/** 40 waiting tickets, every fourth of high priority; returns their names in calling order. */
async function fill(s: Store, queueId: string): Promise<string[]> {
  await s.createQueue(
    { id: queueId, name: queueId, mode: 'service', capacity: null, settings: DEFAULT_QUEUE_SETTINGS },
    new Date(),
  );
  const reqs = Array.from({ length: 40 }, (_, i) => req(i % 4 === 3 ? 'high' : 'normal', `t${i}`));
  const joined = await s.joinMany(queueId, reqs, new Date());
  assert.ok(joined.every((o) => o.kind === 'joined'));
  return [...reqs.filter((r) => r.priority === 'high'), ...reqs.filter((r) => r.priority === 'normal')].map(
    (r) => r.name,
  );
}

const callAll = (s: Store, queueId: string, n: number, desk: string) =>
  Array.from({ length: n }, (_, i) => s.callNext(queueId, 'called', `${desk} ${i}`, new Date()));

/** One node: calls sent together are answered in the order they were made, each the next in line. */
async function oneNode(s: Store): Promise<void> {
  await s.migrate();
  const order = await fill(s, 'q1');
  const got = await Promise.all(callAll(s, 'q1', 50, 'desk'));
  assert.deepEqual(
    got.map((t) => t?.name ?? null),
    [...order, ...Array<null>(10).fill(null)],
  );
  assert.deepEqual(
    got.slice(0, 40).map((t) => t?.counter),
    Array.from({ length: 40 }, (_, i) => `desk ${i}`),
    'each call keeps its own desk',
  );
  assert.equal((await s.getQueue('q1'))?.waitingCount, 0);
  await s.close();
}

/**
 * Two nodes on one database: every waiting ticket is called exactly once, the surplus calls find
 * the line empty, nothing fails, and each node's calls take tickets in line order.
 */
async function twoNodes(a: Store, b: Store): Promise<void> {
  await a.migrate();
  await b.migrate();
  const order = await fill(a, 'q2');
  const fromA = callAll(a, 'q2', 25, 'a');
  const fromB = callAll(b, 'q2', 25, 'b');
  const [gotA, gotB] = await Promise.all([Promise.all(fromA), Promise.all(fromB)]);
  const called = [...gotA, ...gotB].filter((t): t is TicketRecord => t !== null);
  assert.equal(called.length, 40);
  assert.deepEqual(called.map((t) => t.name).sort(), [...order].sort(), 'every ticket once, none twice');
  for (const got of [gotA, gotB]) {
    const places = got.filter((t) => t !== null).map((t) => order.indexOf(t.name ?? ''));
    assert.deepEqual(
      places,
      [...places].sort((x, y) => x - y),
      'a node takes tickets in line order',
    );
    // Answers come in the order the calls were made: once one finds the line empty, so do the rest.
    const firstEmpty = got.indexOf(null);
    if (firstEmpty >= 0) assert.ok(got.slice(firstEmpty).every((t) => t === null));
  }
  const calledNow = await a.listTickets('q2', { status: 'called', limit: 100 });
  assert.equal(calledNow.items.length, 40);
  assert.equal((await b.getQueue('q2'))?.waitingCount, 0);
  await a.close();
  await b.close();
}

const isUnavailable = (e: unknown) => isAppError(e) && e.code === 'unavailable';

describe('concurrent call-next: exactly once, in line order, no failure for contention', () => {
  it('on SQLite, one node', () => oneNode(stores.sqlite('one.db')));
  it('on SQLite, two nodes', () => twoNodes(stores.sqlite('two.db'), stores.sqlite('two.db')));
  it('on PostgreSQL, one node', { skip: skipPg }, () => oneNode(stores.postgres('one')));
  it('on PostgreSQL, two nodes', { skip: skipPg }, () => twoNodes(stores.postgres('two'), stores.postgres('two')));
});

describe('a call held up by another writer waits its bound, then answers unavailable with nothing done', () => {
  it(
    'on PostgreSQL: a row lock held past the statement timeout is waited out; one held for good is not',
    { skip: skipPg },
    async () => {
      const s = stores.postgres('held');
      await s.migrate();
      const order = await fill(s, 'q3');
      const holdLock = (ms: number) =>
        withPg(
          TEST_DATABASE_URL,
          async (c) => {
            await c.query('BEGIN');
            await c.query(`SELECT 1 FROM queues WHERE id = 'q3' FOR UPDATE`);
            await new Promise((r) => setTimeout(r, ms));
            await c.query('COMMIT');
          },
          { searchPath: stores.schemaOf('held') },
        );

      // Held 3.5 s: longer than a statement may run (3 s), shorter than the lock wait's bound.
      let held = holdLock(3500);
      await new Promise((r) => setTimeout(r, 200));
      const started = performance.now();
      const first = await s.callNext('q3', 'called', null, new Date());
      assert.equal(first?.name, order[0]);
      assert.ok(performance.now() - started >= 3000, 'the call waited for the lock');
      await held;

      // Held 9 s: past the bound (four waits of 1.5 s with backoff between).
      held = holdLock(9000);
      await new Promise((r) => setTimeout(r, 200));
      const t0 = performance.now();
      // A second call waits behind the first in this node's line; by the time the first gives up
      // it has waited past the line's own bound, so it answers unavailable without trying.
      const head = s.callNext('q3', 'called', null, new Date());
      const behind = s.callNext('q3', 'called', null, new Date());
      await assert.rejects(head, isUnavailable);
      const waited = performance.now() - t0;
      await assert.rejects(behind, isUnavailable);
      assert.ok(performance.now() - t0 < 8500, 'the call behind did not wait a bound of its own');
      assert.ok(waited >= 5500 && waited < 8500, `gave up after the bound, not before: ${Math.round(waited)} ms`);
      assert.equal((await s.getQueue('q3'))?.waitingCount, 39, 'the refused call took nobody');
      await held;

      const second = await s.callNext('q3', 'called', null, new Date());
      assert.equal(second?.name, order[1], 'the next call takes the ticket the refused one did not');
      const calledNow = await s.listTickets('q3', { status: 'called', limit: 100 });
      assert.deepEqual(calledNow.items.map((t) => t.name).sort(), [order[0], order[1]].sort());
      await s.close();
    },
  );

  it('on SQLite: another process’s write lock is waited out while short; a long one gets unavailable', async () => {
    const s = stores.sqlite('held.db');
    await s.migrate();
    const order = await fill(s, 'q4');
    const other = new Database(join(stores.dir, 'held.db'));
    const holdLock = async (ms: number) => {
      other.exec('BEGIN IMMEDIATE');
      await new Promise((r) => setTimeout(r, ms));
      other.exec('COMMIT');
    };
    try {
      let held = holdLock(400);
      const first = await s.callNext('q4', 'called', null, new Date());
      assert.equal(first?.name, order[0]);
      await held;

      held = holdLock(4000);
      await assert.rejects(s.callNext('q4', 'called', null, new Date()), isUnavailable);
      await held;
      assert.equal((await s.getQueue('q4'))?.waitingCount, 39, 'the refused call took nobody');
      const second = await s.callNext('q4', 'called', null, new Date());
      assert.equal(second?.name, order[1]);
    } finally {
      other.close();
      await s.close();
    }
  });
});

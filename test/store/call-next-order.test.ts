import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_QUEUE_SETTINGS, type TicketPriority } from '../../src/domain/types.js';
import type { Store } from '../../src/store/contract.js';
import { skipPg } from '../support/env.js';
import { joinReq, storeFixtures } from './support.js';

const stores = storeFixtures('call_order');

const settings = DEFAULT_QUEUE_SETTINGS;
const req = joinReq;

async function join1(s: Store, q: string, priority: TicketPriority, name: string): Promise<string> {
  const [o] = await s.joinMany(q, [req(priority, name)], new Date());
  assert.equal(o?.kind, 'joined');
  return name;
}

/**
 * Two stores on one database stand for two nodes. Each keeps its own idea of where call-next may
 * start looking; calls, requeues, high-priority joins and a queue deleted and created again under
 * the same id must never make either skip a waiting ticket.
 */
async function scenario(a: Store, b: Store): Promise<void> {
  await a.migrate();
  await b.migrate();
  await a.createQueue({ id: 'q1', name: 'q', mode: 'service', capacity: null, settings }, new Date());
  const next = async (s: Store) => (await s.callNext('q1', 'called', null, new Date()))?.name ?? null;
  for (const n of ['n1', 'n2', 'n3', 'n4']) await join1(a, 'q1', 'normal', n);
  assert.equal(await next(a), 'n1');
  assert.equal(await next(b), 'n2');
  await join1(b, 'q1', 'high', 'h1');
  assert.equal(await next(a), 'h1');
  // n2 comes back: behind n4, not where it was.
  const n2 = (await b.listTickets('q1', { status: 'called', limit: 10 })).items.find((t) => t.name === 'n2');
  assert.ok(n2);
  const back = await b.transition(n2.id, ['called'], { to: 'waiting', requeue: true }, new Date());
  assert.equal(back.kind, 'ok');
  assert.equal(await next(a), 'n3');
  await join1(a, 'q1', 'high', 'h2');
  assert.equal(await next(b), 'h2');
  assert.equal(await next(a), 'n4');
  assert.equal(await next(a), 'n2');
  assert.equal(await next(b), null);

  // The same id again: its seqs start over, and a's bound from the old queue must not apply.
  assert.notEqual(await b.deleteQueue('q1'), null);
  await b.createQueue(
    { id: 'q1', name: 'q again', mode: 'service', capacity: null, settings },
    new Date(Date.now() + 5),
  );
  await join1(b, 'q1', 'normal', 'm1');
  await join1(b, 'q1', 'high', 'g1');
  assert.equal(await next(a), 'g1');
  assert.equal(await next(a), 'm1');
  await a.close();
  await b.close();
}

describe('call-next order across nodes, requeues and a recreated queue', () => {
  it('on SQLite', () => scenario(stores.sqlite('a.db'), stores.sqlite('a.db')));
  it('on PostgreSQL', { skip: skipPg }, () => scenario(stores.postgres('two_nodes'), stores.postgres('two_nodes')));
});

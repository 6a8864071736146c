import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newId } from '../../src/domain/tokens.js';
import { DEFAULT_QUEUE_SETTINGS } from '../../src/domain/types.js';
import type { Store } from '../../src/store/contract.js';
import { skipPg } from '../support/env.js';
import { joinRequest } from '../support/join-request.js';
import { storeFixtures } from './support.js';

const stores = storeFixtures('join_values');

// Values that an array literal or a hand-built VALUES list could mangle.
const NAMES = ['NULL', 'null', '{a,b}', 'quote " and \\ backslash', "it's", 'ünïcødé 😀', '', ' spaced ', null];

async function roundTrip(store: Store): Promise<void> {
  await store.migrate();
  await store.createQueue(
    { id: 'q1', name: 'q', mode: 'service', capacity: null, settings: DEFAULT_QUEUE_SETTINGS },
    new Date(),
  );
  const reqs = NAMES.map((name, i) => ({
    id: newId('t'),
    tokenHash: sha(i),
    priority: i % 2 === 0 ? ('normal' as const) : ('high' as const),
    name,
    contact: i === 3 ? 'a,b@c' : null,
    metadata: i === 2 ? { k: 'v "x"', n: [1, 2], nested: { z: null } } : null,
    idempotencyKey: null,
    sealedToken: null,
  }));
  // Two batches of different sizes: the second reuses whatever the first prepared.
  const out = [
    ...(await store.joinMany('q1', reqs.slice(0, 4), new Date())),
    ...(await store.joinMany('q1', reqs.slice(4), new Date())),
  ];
  for (const [i, o] of out.entries()) {
    assert.equal(o.kind, 'joined');
    const t = await store.getTicket(reqs[i]!.id);
    assert.ok(t);
    assert.equal(t.name, NAMES[i]);
    assert.equal(t.number, i + 1);
    assert.equal(t.priority, reqs[i]!.priority);
    assert.equal(t.tokenHash, sha(i));
    assert.equal(t.contact, reqs[i]!.contact);
    assert.deepEqual(t.metadata, reqs[i]!.metadata);
    assert.equal(t.status, 'waiting');
  }
  assert.equal((await store.getQueue('q1'))?.waitingCount, NAMES.length);
  await store.close();
}

const sha = (i: number): string => i.toString(16).padStart(64, '0');
const plain = (n: number) => Array.from({ length: n }, (_, i) => joinRequest({ tokenHash: sha(i) }));

/** A batch that fits takes one statement; one that does not goes the general way. Both must agree. */
async function capacityEdges(store: Store): Promise<void> {
  await store.migrate();
  await store.createQueue(
    { id: 'cap', name: 'cap', mode: 'service', capacity: 5, settings: DEFAULT_QUEUE_SETTINGS },
    new Date(),
  );
  const kinds = async (n: number) =>
    (await store.joinMany('cap', plain(n), new Date())).map((o) => (o.kind === 'rejected' ? o.code : o.kind));
  assert.deepEqual(await kinds(3), ['joined', 'joined', 'joined']);
  assert.deepEqual(await kinds(3), ['joined', 'joined', 'queue_full']);
  assert.deepEqual(await kinds(1), ['queue_full']);
  const q = await store.getQueue('cap');
  assert.equal(q?.waitingCount, 5);
  const numbers = (await store.listTickets('cap', { limit: 10 })).items.map((t) => t.number);
  assert.deepEqual(numbers, [1, 2, 3, 4, 5]);
  await store.updateQueue('cap', { capacity: 7 }, new Date());
  assert.deepEqual(await kinds(2), ['joined', 'joined']);
  await store.updateQueue('cap', { status: 'closed' }, new Date());
  assert.deepEqual(await kinds(2), ['queue_closed', 'queue_closed']);
  assert.deepEqual(
    (await store.joinMany('nowhere', plain(2), new Date())).map((o) => o.kind === 'rejected' && o.code),
    ['not_found', 'not_found'],
  );
  assert.equal((await store.getQueue('cap'))?.waitingCount, 7);
  await store.close();
}

/** The joined event of the one-statement batch and of the general path carry the same fields. */
async function joinedPayloads(store: Store): Promise<void> {
  await store.migrate();
  const now = new Date();
  await store.createQueue(
    { id: 'ev', name: 'ev', mode: 'service', capacity: null, settings: DEFAULT_QUEUE_SETTINGS },
    now,
  );
  await store.webhooks.createWebhook(
    {
      id: 'wh_ev',
      url: 'https://hooks.example.org/x',
      events: ['ticket.joined'],
      sealedSecret: 'x',
      includeContact: false,
    },
    now,
  );
  const fast = joinRequest();
  const general = joinRequest({ idempotencyKey: 'k'.repeat(16), sealedToken: 'sealed' });
  await store.joinMany('ev', [fast], now);
  await store.joinMany('ev', [general], now);
  const claimed = await store.webhooks.claimDue('test', new Date(now.getTime() + 1000), 60_000, 10);
  const dataOf = (id: string) => claimed.find((c) => c.data.id === id)?.data;
  const keys = (d: Record<string, unknown> | undefined) => Object.keys(d ?? {}).sort();
  assert.deepEqual(keys(dataOf(fast.id)), keys(dataOf(general.id)));
  assert.deepEqual(
    { ...dataOf(fast.id), id: null, number: null, position: null },
    {
      ...dataOf(general.id),
      id: null,
      number: null,
      position: null,
    },
  );
  assert.equal(dataOf(fast.id)?.recalls, 0);
  await store.close();
}

describe('a joined event reads the same whichever join path wrote it', () => {
  it('on SQLite', () => joinedPayloads(stores.sqlite('ev.db')));
  it('on PostgreSQL', { skip: skipPg }, () => joinedPayloads(stores.postgres('ev')));
});

describe('a join batch stores every value exactly', () => {
  it('on SQLite', () => roundTrip(stores.sqlite('a.db')));
  it('on PostgreSQL (one statement per batch, prepared statements)', { skip: skipPg }, () =>
    roundTrip(stores.postgres('values')),
  );
});

describe('a join batch at the edges of capacity and status', () => {
  it('on SQLite', () => capacityEdges(stores.sqlite('b.db')));
  it('on PostgreSQL', { skip: skipPg }, () => capacityEdges(stores.postgres('cap')));
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { newId } from '../../src/domain/tokens.js';
import { DEFAULT_QUEUE_SETTINGS } from '../../src/domain/types.js';
import type { Store } from '../../src/store/contract.js';
import { openStore } from '../../src/store/open.js';
import { skipPg, TEST_DATABASE_URL, uniqueName } from '../support/env.js';

const dir = mkdtempSync(join(tmpdir(), 'qk-join-values-'));
const schema = uniqueName('join_values');
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (!TEST_DATABASE_URL) return;
  const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await c.end();
});

// Values that an array literal or a hand-built VALUES list could mangle.
const NAMES = ['NULL', 'null', '{a,b}', 'quote " and \\ backslash', "it's", 'ünïcødé 😀', '', ' spaced ', null];

async function roundTrip(store: Store): Promise<void> {
  await store.migrate();
  await store.createQueue({ id: 'q1', name: 'q', mode: 'service', capacity: null, settings: DEFAULT_QUEUE_SETTINGS }, new Date());
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
  const out = [...(await store.joinMany('q1', reqs.slice(0, 4), new Date())), ...(await store.joinMany('q1', reqs.slice(4), new Date()))];
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

describe('a join batch stores every value exactly', () => {
  it('on SQLite', () => roundTrip(openStore({ kind: 'sqlite', path: join(dir, 'a.db') })));
  it('on PostgreSQL (arrays through unnest, prepared statements)', { skip: skipPg }, () => roundTrip(openStore({ kind: 'postgres', url: TEST_DATABASE_URL, schema })));
});

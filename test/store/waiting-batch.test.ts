import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Kysely, KyselyPlugin, RootOperationNode } from 'kysely';
import { sql } from 'kysely';
import { newId } from '../../src/domain/tokens.js';
import { DEFAULT_QUEUE_SETTINGS } from '../../src/domain/types.js';
import type { JoinRequest } from '../../src/store/contract.js';
import { admit, expireIdle } from '../../src/store/kysely/admission.js';
import type { DialectParts } from '../../src/store/kysely/dialect.js';
import type { DB } from '../../src/store/kysely/schema.js';
import { KyselyStore } from '../../src/store/kysely/store.js';
import { openPostgres } from '../../src/store/postgres/connect.js';
import { openSqlite } from '../../src/store/sqlite/connect.js';
import { skipPg, TEST_DATABASE_URL, uniqueName } from '../support/env.js';
import { dropSchema } from '../support/pg.js';

/**
 * An admission round and an idle sweep move their tickets in a constant number of statements,
 * however many move, and the sweep reads the partial index of waiting tickets by last sight.
 */

const dir = mkdtempSync(join(tmpdir(), 'qk-waiting-batch-'));
const schemas: string[] = [];
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  for (const s of schemas) await dropSchema(TEST_DATABASE_URL, s);
});

const T0 = Date.parse('2026-05-01T09:00:00Z');
const IDLE_S = 60;

/** Counts the statements a Kysely instance sends, by kind (`UpdateQueryNode`, …) and table. */
class Counter implements KyselyPlugin {
  readonly seen: string[] = [];
  transformQuery({ node }: { node: RootOperationNode }): RootOperationNode {
    const table = 'table' in node && node.table ? JSON.stringify(node.table).match(/"name":"(\w+)"/)?.[1] : '';
    this.seen.push(`${node.kind}:${table ?? ''}`);
    return node;
  }
  transformResult<T>({ result }: { result: T }): Promise<T> {
    return Promise.resolve(result);
  }
  count = (prefix: string) => this.seen.filter((s) => s.startsWith(prefix)).length;
}

const BACKENDS: { name: string; skip: false | string; open: () => DialectParts }[] = [
  { name: 'SQLite', skip: false, open: () => openSqlite(join(dir, `${uniqueName('s')}.db`)) },
  {
    name: 'PostgreSQL',
    skip: skipPg,
    open: () => {
      const schema = uniqueName('wb');
      schemas.push(schema);
      return openPostgres({ url: TEST_DATABASE_URL, schema });
    },
  },
];

const request = (priority: 'high' | 'normal'): JoinRequest => ({
  id: newId('t'),
  tokenHash: 'h'.repeat(64),
  priority,
  name: null,
  contact: null,
  metadata: null,
  idempotencyKey: null,
  sealedToken: null,
});

/**
 * A `passthrough` room (a round may admit a whole batch) of `n` waiting tickets, every third one
 * high priority; the even ones are seen at `seenAt`, the others only at joining. Returns the seen
 * ones in the line's order: high priority first, then by arrival.
 */
async function room(
  store: KyselyStore,
  n: number,
  seenAt: number,
): Promise<{ id: string; seenInOrder: string[]; line: string[] }> {
  const q = await store.createQueue(
    {
      id: newId('q'),
      name: 'room',
      mode: 'waiting_room',
      capacity: null,
      settings: { ...DEFAULT_QUEUE_SETTINGS, admission: { method: 'passthrough', idleSeconds: IDLE_S } },
    },
    new Date(T0),
  );
  const reqs = Array.from({ length: n }, (_, i) => request(i % 3 === 2 ? 'high' : 'normal'));
  await store.joinMany(q.id, reqs, new Date(T0));
  const seen = reqs.filter((_, i) => i % 2 === 0);
  for (const r of seen) await store.waitingRooms.touch(r.id, new Date(seenAt));
  const inLine = (rs: JoinRequest[]) => [
    ...rs.filter((r) => r.priority === 'high'),
    ...rs.filter((r) => r.priority === 'normal'),
  ];
  return { id: q.id, seenInOrder: inLine(seen).map((r) => r.id), line: inLine(reqs).map((r) => r.id) };
}

async function explain(p: DialectParts, db: Kysely<DB>, queueId: string, kind: string): Promise<string> {
  const query = sql`SELECT id FROM tickets WHERE queue_id = ${queueId} AND status = ${'waiting'} AND coalesce(seen_at, created_at) < ${T0} LIMIT 500`;
  if (kind === 'sqlite') {
    const r = await sql<{ detail: string }>`EXPLAIN QUERY PLAN ${query}`.execute(db);
    return r.rows.map((x) => x.detail).join('\n');
  }
  return db.connection().execute(async (c) => {
    // A few rows would be read sequentially anyway; the question is whether the index serves.
    await sql`SET enable_seqscan = off`.execute(c);
    const r = await sql<{ 'QUERY PLAN': string }>`EXPLAIN ${query}`.execute(c);
    await sql`SET enable_seqscan = on`.execute(c);
    return r.rows.map((x) => x['QUERY PLAN']).join('\n');
  });
}

for (const b of BACKENDS) {
  describe(`waiting-room batches on ${b.name}`, { skip: b.skip }, () => {
    it('admits a round in one UPDATE, in line order, skipping idle visitors, whatever its size', async () => {
      const parts = b.open();
      const store = new KyselyStore(parts);
      try {
        await store.migrate();
        const at = T0 + 120_000; // the even tickets were seen 30 s before; the odd ones never: idle.
        const statements: number[] = [];
        for (const n of [6, 60]) {
          const r = await room(store, n, at - 30_000);
          const counter = new Counter();
          const admitted = await admit(parts.db.withPlugin(counter), r.id, new Date(at));
          assert.equal(counter.count('UpdateQueryNode:tickets'), 1, 'one UPDATE of tickets');
          statements.push(counter.seen.length);
          assert.deepEqual(
            admitted.map((t) => t.id),
            r.seenInOrder,
          );
          assert.equal((await store.getQueue(r.id))?.waitingCount, n - admitted.length);
          for (const t of admitted) assert.equal(t.status, 'admitted');
        }
        assert.equal(statements[0], statements[1], 'as many statements for 30 admissions as for 3');
      } finally {
        await store.close();
      }
    });

    it('tells each ticket that a round moved up to the notify position, as admissions one by one would', async () => {
      const parts = b.open();
      const store = new KyselyStore(parts);
      try {
        await store.migrate();
        await store.webhooks.createWebhook(
          {
            id: newId('wh'),
            url: 'https://hooks.example/x',
            events: ['ticket.near', 'ticket.admitted'],
            sealedSecret: 'sealed',
            includeContact: false,
          },
          new Date(T0),
        );
        const at = T0 + 120_000;
        const r = await room(store, 12, at - 30_000);
        const admitted = (await admit(parts.db, r.id, new Date(at))).map((t) => t.id);
        // One by one: after each admission, the ticket now third is told if the admitted one was ahead.
        const line = [...r.line];
        const told: string[] = [];
        for (const id of admitted) {
          const from = line.indexOf(id);
          line.splice(from, 1);
          const third = line[2];
          if (third !== undefined && r.line.indexOf(id) < r.line.indexOf(third) && !told.includes(third))
            told.push(third);
        }
        // A ticket admitted in the same round is not told it is near: it is already in.
        const expected = told.filter((id) => !admitted.includes(id)).sort();
        const rows = await parts.db.selectFrom('webhook_deliveries').select(['ticket_id', 'type']).execute();
        assert.deepEqual(
          rows
            .filter((x) => x.type === 'ticket.near')
            .map((x) => x.ticket_id)
            .sort(),
          expected,
        );
        assert.ok(expected.length >= 2, 'the round moved more than one ticket past the position');
        assert.deepEqual(
          rows
            .filter((x) => x.type === 'ticket.admitted')
            .map((x) => x.ticket_id)
            .sort(),
          [...admitted].sort(),
        );
      } finally {
        await store.close();
      }
    });

    it('expires idle visitors in one UPDATE, reading the partial index of waiting tickets', async () => {
      const parts = b.open();
      const store = new KyselyStore(parts);
      try {
        await store.migrate();
        const at = T0 + (IDLE_S + 10) * 1000;
        const r = await room(store, 40, at - 5_000);
        const counter = new Counter();
        const expired = await expireIdle(parts.db.withPlugin(counter), r.id, new Date(at));
        assert.equal(expired.length, 20);
        assert.equal(counter.count('UpdateQueryNode:tickets'), 1, 'one UPDATE of tickets');
        const left = await store.getQueue(r.id);
        assert.equal(left?.waitingCount, 20);
        assert.equal((await expireIdle(parts.db, r.id, new Date(at))).length, 0, 'nobody twice');
        assert.match(await explain(parts, parts.db, r.id, parts.kind), /tickets_waiting_seen/);
      } finally {
        await store.close();
      }
    });
  });
}

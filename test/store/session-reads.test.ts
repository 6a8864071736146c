import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sql, type KyselyPlugin, type PluginTransformQueryArgs, type RootOperationNode } from 'kysely';
import { newId } from '../../src/domain/tokens.js';
import { DEFAULT_QUEUE_SETTINGS, type AdmissionSettings } from '../../src/domain/types.js';
import type { JoinRequest } from '../../src/store/contract.js';
import type { DialectParts } from '../../src/store/kysely/dialect.js';
import { joinMany } from '../../src/store/kysely/join.js';
import { sessionEndsOf } from '../../src/store/kysely/sessions.js';
import { KyselyStore } from '../../src/store/kysely/store.js';
import { openPostgres } from '../../src/store/postgres/connect.js';
import { openSqlite } from '../../src/store/sqlite/connect.js';
import { skipPg, TEST_DATABASE_URL, uniqueName } from '../support/env.js';
import { dropSchema } from '../support/pg.js';

/**
 * The reads of active sessions that capped rooms' quotes need: one per join batch, inside it, and
 * one for a whole list of rooms, each cut to its own limit.
 */

const dir = mkdtempSync(join(tmpdir(), 'qk-session-reads-'));
const schemas: string[] = [];
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  for (const s of schemas) await dropSchema(TEST_DATABASE_URL, s);
});

const T0 = Date.parse('2026-05-01T09:00:00Z');

/** Counts the SELECTs from the tickets table a Kysely instance runs (a subquery is part of its statement). */
class TicketReads implements KyselyPlugin {
  count = 0;
  private readonly reading = new WeakSet<object>();
  transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
    if (node.kind === 'SelectQueryNode' && JSON.stringify(node.from).includes('"name":"tickets"'))
      this.reading.add(queryId);
    return node;
  }
  transformResult<T>({ result, queryId }: { result: T; queryId: object }): Promise<T> {
    if (this.reading.has(queryId)) this.count++;
    return Promise.resolve(result);
  }
}

const BACKENDS: { name: string; skip: false | string; open: () => DialectParts }[] = [
  { name: 'SQLite', skip: false, open: () => openSqlite(join(dir, `${uniqueName('s')}.db`)) },
  {
    name: 'PostgreSQL',
    skip: skipPg,
    open: () => {
      const schema = uniqueName('sr');
      schemas.push(schema);
      return openPostgres({ url: TEST_DATABASE_URL, schema });
    },
  },
];

const request = (idempotencyKey: string | null = null): JoinRequest => ({
  id: newId('t'),
  tokenHash: 'h'.repeat(64),
  priority: 'normal',
  name: null,
  contact: null,
  metadata: null,
  idempotencyKey,
  sealedToken: null,
});

/** A room with `ends.length` visitors admitted, their sessions ending at `ends` (ms from T0). */
async function room(store: KyselyStore, admission: Partial<AdmissionSettings>, ends: readonly number[]) {
  const q = await store.createQueue(
    {
      id: newId('q'),
      name: 'room',
      mode: 'waiting_room',
      capacity: null,
      settings: { ...DEFAULT_QUEUE_SETTINGS, admission: { idleSeconds: 86_400, ...admission } },
    },
    new Date(T0),
  );
  const reqs = ends.map(() => request());
  await store.joinMany(q.id, reqs, new Date(T0));
  for (const [i, r] of reqs.entries())
    await store.transition(
      r.id,
      ['waiting'],
      { to: 'admitted', admittedUntil: T0 + (ends[i] as number) },
      new Date(T0),
    );
  return q.id;
}

/** The plan of a room's sessions read, as `sessionEnds` sends it (the status written in, not bound). */
async function explain(p: DialectParts, queueId: string): Promise<string> {
  const query = sql`SELECT admitted_until FROM tickets WHERE queue_id = ${queueId} AND status = 'admitted' AND admitted_until > ${T0} ORDER BY admitted_until LIMIT 664`;
  if (p.kind === 'sqlite') {
    const r = await sql<{ detail: string }>`EXPLAIN QUERY PLAN ${query}`.execute(p.db);
    return r.rows.map((x) => x.detail).join('\n');
  }
  return p.db.connection().execute(async (c) => {
    // A few rows would be read sequentially anyway; the question is whether the index serves.
    await sql`SET enable_seqscan = off`.execute(c);
    const r = await sql<{ 'QUERY PLAN': string }>`EXPLAIN ${query}`.execute(c);
    await sql`SET enable_seqscan = on`.execute(c);
    return r.rows.map((x) => x['QUERY PLAN']).join('\n');
  });
}

for (const b of BACKENDS) {
  describe(`session reads for capped rooms' quotes on ${b.name}`, { skip: b.skip }, () => {
    it('a join batch to a full capped room reads the sessions once and stores the wait for them', async () => {
      const parts = b.open();
      const store = new KyselyStore(parts);
      try {
        await store.migrate();
        const capped = await room(store, { newPerMinute: 60, maxActive: 2 }, [300_000, 600_000]);
        for (const keyed of [false, true]) {
          const reads = new TicketReads();
          const reqs = Array.from({ length: 20 }, (_, i) => request(keyed ? `k-${i}` : null));
          const out = await joinMany(parts.db.withPlugin(reads), capped, reqs, new Date(T0), parts);
          assert.equal(reads.count, 1, `one read of the sessions for the batch (keyed: ${keyed})`);
          assert.ok(out.every((o) => o.kind === 'joined'));
          const first = out[0]?.kind === 'joined' ? out[0].ticket : null;
          assert.ok((first?.etaAtJoin?.lowSeconds ?? 0) >= 300, JSON.stringify(first?.etaAtJoin));
        }
        const open = await room(store, { newPerMinute: 60 }, [300_000, 600_000]);
        const reads = new TicketReads();
        const out = await joinMany(parts.db.withPlugin(reads), open, [request()], new Date(T0), parts);
        assert.equal(reads.count, 0, 'a room without a cap reads no sessions');
        assert.deepEqual(out[0]?.kind === 'joined' ? out[0].ticket.etaAtJoin : null, { lowSeconds: 0, highSeconds: 2 });
      } finally {
        await store.close();
      }
    });

    it("reads a room's active sessions through the index of admitted tickets, not all its admissions", async () => {
      const parts = b.open();
      const store = new KyselyStore(parts);
      try {
        await store.migrate();
        const id = await room(store, { maxActive: 2 }, [-60_000, 30_000, 60_000]);
        assert.match(await explain(parts, id), /tickets_admitted_until/);
        assert.deepEqual(await store.waitingRooms.sessionEnds(id, new Date(T0), 5), [T0 + 30_000, T0 + 60_000]);
      } finally {
        await store.close();
      }
    });

    it('reads several rooms in one statement, each cut to its own limit, earliest first', async () => {
      const parts = b.open();
      const store = new KyselyStore(parts);
      try {
        await store.migrate();
        const a = await room(store, { maxActive: 1 }, [90_000, 30_000, 60_000]);
        const c = await room(store, { maxActive: 5 }, [45_000, 15_000]);
        const empty = await room(store, { maxActive: 5 }, []);
        const other = await room(store, { maxActive: 5 }, [10_000]);
        const reads = new TicketReads();
        const limits = new Map([
          [a, 2],
          [c, 5],
          [empty, 5],
        ]);
        const ends = await sessionEndsOf(parts.db.withPlugin(reads), limits, new Date(T0 + 20_000));
        assert.equal(reads.count, 1);
        assert.deepEqual(ends.get(a), [T0 + 30_000, T0 + 60_000]);
        assert.deepEqual(ends.get(c), [T0 + 45_000], 'a session already ended is not active');
        assert.equal(ends.has(empty), false);
        assert.equal(ends.has(other), false, 'a room not asked for is not read');
      } finally {
        await store.close();
      }
    });
  });
}

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { KyselyPlugin, PluginTransformQueryArgs, RootOperationNode } from 'kysely';
import { newId } from '../../src/domain/tokens.js';
import { DEFAULT_QUEUE_SETTINGS, type AdmissionSettings } from '../../src/domain/types.js';
import type { DialectParts } from '../../src/store/kysely/dialect.js';
import { activeSessions } from '../../src/store/kysely/admission.js';
import { joinMany } from '../../src/store/kysely/join.js';
import { sessionEnds, sessionEndsOf } from '../../src/store/kysely/sessions.js';
import { KyselyStore } from '../../src/store/kysely/store.js';
import { openPostgres } from '../../src/store/postgres/connect.js';
import { openSqlite } from '../../src/store/sqlite/connect.js';
import { skipPg, TEST_DATABASE_URL, uniqueName } from '../support/env.js';
import { joinRequest } from '../support/join-request.js';
import { dropSchema } from '../support/pg.js';
import { SentSql, sentPlan } from './sent-sql.js';

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
  const reqs = ends.map(() => joinRequest());
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
          const reqs = Array.from({ length: 20 }, (_, i) => joinRequest({ idempotencyKey: keyed ? `k-${i}` : null }));
          const out = await joinMany(parts.db.withPlugin(reads), capped, reqs, new Date(T0), parts);
          assert.equal(reads.count, 1, `one read of the sessions for the batch (keyed: ${keyed})`);
          assert.ok(out.every((o) => o.kind === 'joined'));
          const first = out[0]?.kind === 'joined' ? out[0].ticket : null;
          assert.ok((first?.etaAtJoin?.lowSeconds ?? 0) >= 300, JSON.stringify(first?.etaAtJoin));
        }
        const open = await room(store, { newPerMinute: 60 }, [300_000, 600_000]);
        const reads = new TicketReads();
        const out = await joinMany(parts.db.withPlugin(reads), open, [joinRequest()], new Date(T0), parts);
        assert.equal(reads.count, 0, 'a room without a cap reads no sessions');
        assert.deepEqual(out[0]?.kind === 'joined' ? out[0].ticket.etaAtJoin : null, { lowSeconds: 0, highSeconds: 2 });
      } finally {
        await store.close();
      }
    });

    it('reads active sessions through the index of admitted tickets, with the plans the sent statements get', async () => {
      const parts = b.open();
      const store = new KyselyStore(parts);
      try {
        await store.migrate();
        const id = await room(store, { maxActive: 2 }, [-60_000, 30_000, 60_000]);
        const sent = new SentSql(parts.db);
        const db = parts.db.withPlugin(sent);
        assert.deepEqual(await sessionEnds(db, id, new Date(T0), 5), [T0 + 30_000, T0 + 60_000]);
        assert.equal(await activeSessions(db, id, new Date(T0)), 2);
        const ends = await sessionEndsOf(db, parts.kind, new Map([[id, 1]]), new Date(T0));
        assert.deepEqual(ends.get(id), [T0 + 30_000]);
        assert.equal(sent.sent.length, 3, 'the quote, the admission count, the queue list');
        // PostgreSQL's generic plans need the status written in; SQLite plans with the bound values
        // (it prepares again when a value that decided a partial index changes), so either serves there.
        for (const q of sent.sent) assert.match(await sentPlan(parts, q), /tickets_admitted_until/, q.sql);
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
        const sent = new SentSql(parts.db);
        const limits = new Map([
          [a, 2],
          [c, 5],
          [empty, 5],
        ]);
        const ends = await sessionEndsOf(parts.db.withPlugin(sent), parts.kind, limits, new Date(T0 + 20_000));
        assert.equal(sent.sent.length, 1);
        assert.deepEqual(ends.get(a), [T0 + 30_000, T0 + 60_000]);
        assert.deepEqual(ends.get(c), [T0 + 45_000], 'a session already ended is not active');
        assert.equal(ends.has(empty), false);
        assert.equal(ends.has(other), false, 'a room not asked for is not read');
      } finally {
        await store.close();
      }
    });

    it('reads any number of rooms with one statement text on PostgreSQL, in chunks within the bound values on SQLite', async () => {
      const parts = b.open();
      const store = new KyselyStore(parts);
      try {
        await store.migrate();
        const a = await room(store, { maxActive: 1 }, [30_000, 60_000]);
        const c = await room(store, { maxActive: 1 }, [45_000]);
        const sent = new SentSql(parts.db);
        const db = parts.db.withPlugin(sent);
        for (const n of [1, 2, 3]) {
          const limits = new Map([a, c, ...Array.from({ length: n }, () => newId('q'))].map((id) => [id, 2]));
          assert.equal((await sessionEndsOf(db, parts.kind, limits, new Date(T0))).size, 2);
        }
        // More rooms than one SQLite read binds: every room answered however the reads are cut.
        const many = new Map([...Array.from({ length: 2_500 }, () => newId('q')), c, a].map((id) => [id, 1]));
        const ends = await sessionEndsOf(db, parts.kind, many, new Date(T0));
        assert.deepEqual([ends.get(a), ends.get(c)], [[T0 + 30_000], [T0 + 45_000]]);
        const texts = new Set(sent.sent.map((q) => q.sql));
        if (parts.kind === 'postgres') assert.equal(texts.size, 1, 'one text, one named statement, for any count');
        else
          assert.ok(
            sent.sent.every((q) => q.parameters.length <= 1_010),
            'each read within the bound values',
          );
      } finally {
        await store.close();
      }
    });
  });
}

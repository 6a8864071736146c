import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_QUEUE_SETTINGS } from '../../src/domain/types.js';
import { KyselyStore } from '../../src/store/kysely/store.js';
import { openSqlite } from '../../src/store/sqlite/connect.js';

const dir = mkdtempSync(join(tmpdir(), 'qk-read-now-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite reads that skip the query queue', () => {
  it('never see a transaction that has not committed, and see it once it has', async () => {
    const parts = openSqlite(join(dir, 'a.db'));
    const store = new KyselyStore(parts);
    await store.migrate();
    const now = Date.now();
    const row = {
      name: 'pending',
      mode: 'service',
      status: 'open',
      capacity: null,
      settings: JSON.stringify(DEFAULT_QUEUE_SETTINGS),
      waiting_count: 0,
      last_number: 0,
      last_seq: 0,
      service_ewma: null,
      service_var: null,
      last_completed_at: null,
      created_at: now,
      updated_at: now,
      closed_at: null,
    };

    let during: Promise<unknown> | undefined;
    await assert.rejects(
      parts.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('queues')
          .values({ id: 'q_rolled_back', ...row })
          .execute();
        during = store.getQueue('q_rolled_back');
        let settled = false;
        void during.then(() => (settled = true));
        await new Promise((r) => setTimeout(r, 30));
        // Read straight away, it would already hold the uncommitted row; it has to wait instead.
        assert.equal(settled, false);
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.equal(await during, null);

    await parts.db
      .insertInto('queues')
      .values({ id: 'q_committed', ...row })
      .execute();
    assert.equal((await store.getQueue('q_committed'))?.name, 'pending');
    await store.close();
  });
});

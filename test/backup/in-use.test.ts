import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createBackup, isBackupError, restoreBackup } from '../../src/backup/index.js';
import { openServingClaims } from '../../src/store/open-dump.js';
import { TEST_DATABASE_URL } from '../support/env.js';
import { withPg } from '../support/pg.js';
import { BACKENDS, Scratch, seed, system, tableRows } from './support.js';

const scratch = new Scratch();
after(() => scratch.cleanup());

const inUse = (e: unknown): boolean => isBackupError(e) && e.reason === 'target_in_use' && e.code === 'conflict';

for (const backend of BACKENDS) {
  describe(`restore into a database a server uses, on ${backend.name}`, { skip: backend.skip }, () => {
    it('is refused, naming the servers and how to stop them, and changes nothing', async () => {
      const sys = await system(scratch, backend.name);
      await seed(sys.rt);
      const b = await createBackup({ config: sys.config, store: sys.rt.store, live: sys.rt.live });
      const claims = openServingClaims(sys.config.database);
      const first = await claims.serve({ pid: 4242, address: 'http://127.0.0.1:8181' });
      // A second node on the same database shares the claim.
      const second = await claims.serve({ pid: 4343, address: 'http://127.0.0.1:8282' });
      await sys.rt.service.createQueue({ name: 'after the backup', mode: 'service' });
      const before = await tableRows(sys.config.database);
      let message = '';
      await assert.rejects(restoreBackup(sys.config, b.id, { force: true }), (e: unknown) => {
        message = (e as Error).message;
        return inUse(e);
      });
      assert.match(message, /pid 4242/);
      assert.match(message, /http:\/\/127\.0\.0\.1:8181/);
      assert.match(message, /stop it first/);
      assert.deepEqual(await tableRows(sys.config.database), before);
      await first.release();
      await assert.rejects(restoreBackup(sys.config, b.id, { force: true }), inUse);
      await second.release();
      const r = await restoreBackup(sys.config, b.id, { force: true });
      assert.equal(r.verification.status, 'Valid');
      assert.ok(r.replacedRows > 0);
    });

    it('a server does not start while a restore holds the database', async () => {
      const sys = await system(scratch, backend.name);
      const claims = openServingClaims(sys.config.database);
      const restoring = await claims.restore();
      await assert.rejects(claims.serve({ pid: 1, address: 'http://127.0.0.1:1' }), (e: unknown) => {
        return inUse(e) && /a restore is putting a backup into/.test((e as Error).message);
      });
      await assert.rejects(claims.restore(), inUse);
      await restoring.release();
      const serving = await claims.serve({ pid: 1, address: 'http://127.0.0.1:1' });
      await serving.release();
    });
  });
}

describe('a server on PostgreSQL that loses its connection', { skip: BACKENDS[1].skip }, () => {
  it('takes its claim again, so a restore stays refused', async () => {
    const sys = await system(scratch, 'postgres');
    const b = await createBackup({ config: sys.config, store: sys.rt.store, live: sys.rt.live });
    const states: string[] = [];
    let retaken: () => void = () => undefined;
    const back = new Promise<void>((r) => (retaken = r));
    const claim = await openServingClaims(sys.config.database).serve(
      { pid: 5151, address: 'http://127.0.0.1:5151' },
      (state) => {
        states.push(state);
        if (state === 'retaken') retaken();
      },
    );
    try {
      const killed = await withPg(TEST_DATABASE_URL, (c) =>
        c.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'queuekeeper pid 5151 at http://127.0.0.1:5151'",
        ),
      );
      assert.equal(killed.rowCount, 1);
      await back;
      assert.deepEqual(states, ['lost', 'retaken']);
      await assert.rejects(restoreBackup(sys.config, b.id, { force: true }), inUse);
    } finally {
      await claim.release();
    }
  });
});

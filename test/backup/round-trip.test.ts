import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createBackup, restoreBackup, verifyBackup } from '../../src/backup/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/logging/logger.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { openStore } from '../../src/store/open.js';
import { BACKENDS, pgUrl, positions, Scratch, seed, skipRedis, system, tableRows, type Backend } from './support.js';

const scratch = new Scratch();
after(() => scratch.cleanup());

/** A restore target of the same engine: a new data dir, or a new database with another schema. */
async function target(backend: Backend): Promise<{ to: string; env: Record<string, string> }> {
  if (backend === 'sqlite') {
    const dir = await scratch.dir();
    return { to: dir, env: { QK_DATA_DIR: dir } };
  }
  const url = pgUrl(scratch.schema(), await scratch.database());
  return { to: url, env: { QK_DATA_DIR: await scratch.dir(), DATABASE_URL: url } };
}

for (const backend of BACKENDS) {
  describe(`backup round trip on ${backend.name}`, { skip: backend.skip }, () => {
    it('restores every table equal, and a node started on the target serves the same positions', async () => {
      const { config, rt } = await system(scratch, backend.name);
      // As `serve` does on a first start: the generated admin key's hash goes into the database.
      assert.ok(await rt.keepGeneratedKey());
      const seeded = await seed(rt);
      const created = await createBackup({ config, store: rt.store, live: rt.live });
      assert.equal((await verifyBackup(config, created.id)).status, 'Valid');

      const t = await target(backend.name);
      const restored = await restoreBackup(config, created.id, { to: t.to });
      assert.equal(restored.verification.status, 'Valid');
      assert.ok(restored.rtoMs > 0);

      const targetConfig = loadConfig({ ...t.env, QK_SCHEDULER: 'off' });
      const original = await tableRows(config.database);
      const copy = await tableRows(targetConfig.database);
      // Every row comes back, the seal key too: the dump leaves it out, the manifest carries it
      // sealed under the signing key, and the restore writes it back.
      assert.ok(original.meta?.some((r) => r.includes('"token_seal_key"')));
      assert.ok(copy.meta?.some((r) => r.includes('"master_key_hash"')));
      assert.deepEqual(copy, original);

      const rt2 = scratch.track(await createRuntime(targetConfig, { logger: createLogger({ level: 'silent' }) }));
      const before = await positions(rt);
      assert.ok([...before.values()].filter((p) => p !== null).length > 20);
      assert.deepEqual(await positions(rt2), before);
      for (const [id, token] of seeded.tokens) {
        const mine = await rt.service.customerTicket(id, token).catch(() => null);
        if (mine === null) continue;
        assert.equal(
          (await rt2.service.customerTicket(id, token)).position,
          mine.position,
          `ticket ${id} answers its token with the same position`,
        );
      }
    });

    it('a backup taken during concurrent joins verifies and restores consistent', async () => {
      const { config, rt } = await system(scratch, backend.name);
      const q = await rt.service.createQueue({ name: 'Busy', mode: 'service' });
      let stop = false;
      let joined = 0;
      const joiner = async () => {
        while (!stop) {
          await rt.service.join(q.id, { name: 'rush' }, null);
          joined++;
        }
      };
      const joiners = Array.from({ length: 8 }, joiner);
      while (joined < 200) await new Promise((r) => setTimeout(r, 5));
      const atStart = joined;
      const created = await createBackup({ config, store: rt.store, live: rt.live });
      const duringBackup = joined - atStart;
      await new Promise((r) => setTimeout(r, 50));
      stop = true;
      await Promise.all(joiners);
      assert.ok(duringBackup > 0, 'joins went on while the backup ran');

      const v = await verifyBackup(config, created.id);
      assert.equal(v.status, 'Valid', v.reason ?? '');
      const tickets = created.tables.tickets ?? 0;
      assert.ok(
        tickets >= atStart && tickets < joined,
        `the dump holds one moment: ${atStart} <= ${tickets} < ${joined}`,
      );

      const t = await target(backend.name);
      await restoreBackup(config, created.id, { to: t.to });
      const restored = openStore(loadConfig(t.env).database);
      try {
        assert.deepEqual((await restored.admin.integrity()).problems, []);
        // The dump's rows, plus the seal key the restore writes back from the manifest.
        const meta = (created.tables.meta ?? 0) + 1;
        assert.deepEqual(await restored.admin.tableCounts(), { ...created.tables, meta });
        const waiting = (await restored.waitingEntries()).get(q.id) ?? [];
        assert.equal(waiting.length, tickets);
        assert.deepEqual(
          waiting.map((e) => e.seq),
          Array.from({ length: tickets }, (_, i) => i + 1),
          'no gap in the restored order',
        );
      } finally {
        await restored.close();
      }
    });
  });
}

describe('backup round trip with the live index in Redis', { skip: skipRedis }, () => {
  it('snapshots the Redis index and a node on the restored data rebuilds the same order', async () => {
    const { config, rt } = await system(scratch, 'sqlite', { redis: true });
    await seed(rt);
    const created = await createBackup({ config, store: rt.store, live: rt.live });
    const v = await verifyBackup(config, created.id);
    assert.equal(v.status, 'Valid', v.reason ?? '');
    assert.equal(v.parts.live.status, 'Valid');
    const dir = await scratch.dir();
    await restoreBackup(config, created.id, { to: join(dir) });
    const rt2 = scratch.track(
      await createRuntime(
        loadConfig({
          QK_DATA_DIR: dir,
          QK_SCHEDULER: 'off',
          REDIS_URL: config.redis?.url ?? '',
          QK_REDIS_PREFIX: scratch.redisPrefix(),
        }),
        { logger: createLogger({ level: 'silent' }) },
      ),
    );
    assert.deepEqual(await positions(rt2), await positions(rt));
  });
});

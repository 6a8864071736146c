import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { openDatabase } from '../../src/store/sqlite/driver.js';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../src/config/index.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { openStore } from '../../src/store/open.js';
import { COMBOS, type Isolation } from '../support/harness.js';
import { TEST_DATABASE_URL } from '../support/env.js';
import { withPg } from '../support/pg.js';

/**
 * The admin key generated on a first start (no QK_MASTER_KEY) is either shown or not stored: a
 * start that fails before the key can be printed leaves no hash behind, so the next start makes
 * and shows a new key instead of locking the operator out.
 */

const silent = pino({ level: 'silent' });
const configFor = (iso: Isolation): Config =>
  loadConfig({ QK_SCHEDULER: 'off', LOG_LEVEL: 'silent', PORT: '0', ...iso.env });

async function storedHash(config: Config): Promise<string | null> {
  const store = openStore(config.database);
  try {
    return await store.getMeta('master_key_hash');
  } finally {
    await store.close();
  }
}

/** A real failure after the key would have been stored: the index rebuild reads a column that is gone. */
async function breakTickets(config: Config): Promise<void> {
  const store = openStore(config.database);
  await store.migrate();
  await store.close();
  const ddl = 'ALTER TABLE tickets RENAME COLUMN seq TO seq_gone';
  if (config.database.kind === 'sqlite') {
    const db = openDatabase(config.database.path);
    db.exec(ddl);
    db.close();
  } else await withPg(TEST_DATABASE_URL, (c) => c.query(ddl), { searchPath: config.database.schema });
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

for (const combo of COMBOS) {
  describe(`the first start's admin key, ${combo.name}`, { skip: combo.skip }, () => {
    const isos: Isolation[] = [];
    const isolate = () => {
      const iso = combo.isolate();
      isos.push(iso);
      return iso;
    };
    after(async () => {
      for (const iso of isos) await iso.cleanup();
    });

    it('a runtime that fails to build after the key was generated stores no hash', async () => {
      const config = configFor(isolate());
      await breakTickets(config);
      await assert.rejects(createRuntime(config, { logger: silent }));
      assert.equal(await storedHash(config), null);
    });

    it('a runtime stores the hash only when the caller takes the key to show it, and hands it out once', async () => {
      const config = configFor(isolate());
      const first = await createRuntime(config, { logger: silent });
      await first.close();
      assert.equal(await storedHash(config), null, 'never taken: nothing stored');

      const second = await createRuntime(config, { logger: silent });
      try {
        const key = await second.keepGeneratedKey();
        assert.ok(key);
        assert.equal(await storedHash(config), sha(key));
        assert.deepEqual(await second.auth.resolve(`Bearer ${key}`), { keyId: 'master', role: 'admin', queueId: null });
        assert.equal(await second.keepGeneratedKey(), null, 'shown once');
      } finally {
        await second.close();
      }
      const third = await createRuntime(config, { logger: silent });
      try {
        assert.equal(await third.keepGeneratedKey(), null, 'a stored key is not replaced');
      } finally {
        await third.close();
      }
    });
  });
}

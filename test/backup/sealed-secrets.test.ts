import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createBackup, restoreBackup } from '../../src/backup/index.js';
import { loadConfig } from '../../src/config/index.js';
import { registerWebhook } from '../../src/domain/webhooks.js';
import { findPgTools } from '../../src/store/postgres/dump-tools.js';
import { createLogger } from '../../src/logging/logger.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { BACKENDS, pgUrl, Scratch, system, tableRows, type Backend } from './support.js';

const scratch = new Scratch();
after(() => scratch.cleanup());

/** A restore target of the same engine: a new data dir, or a new database with another schema. */
async function target(backend: Backend): Promise<{ to: string; env: Record<string, string> }> {
  if (backend === 'sqlite') {
    const dir = await scratch.dir();
    return { to: dir, env: { QK_DATA_DIR: dir, QK_SCHEDULER: 'off' } };
  }
  const url = pgUrl(scratch.schema(), await scratch.database());
  return { to: url, env: { QK_DATA_DIR: await scratch.dir(), DATABASE_URL: url, QK_SCHEDULER: 'off' } };
}

/** Every byte a backup holds, as text; a PostgreSQL dump (compressed) as the SQL pg_restore makes of it. */
async function backupText(path: string): Promise<string> {
  let text = '';
  for (const name of await readdir(path)) {
    const file = join(path, name);
    text += (await readFile(file)).toString('latin1');
    if (name.endsWith('.pgdump'))
      text += execFileSync((await findPgTools(null, 0)).pgRestore, ['--file=-', file], { encoding: 'latin1' });
  }
  return text;
}

const rowsText = (rows: Record<string, string[]>): string => Object.values(rows).flat().join('\n');

for (const backend of BACKENDS) {
  describe(`secrets in backups on ${backend.name}`, { skip: backend.skip }, () => {
    it('a webhook secret is neither in the database nor in a backup in clear, and signs again after a restore', async () => {
      const { config, rt } = await system(scratch, backend.name);
      const { record, secret } = await registerWebhook(
        rt.store.webhooks,
        { url: 'http://127.0.0.1:9/q', events: ['ticket.joined'], includeContact: false },
        { allowPrivate: true, now: new Date(), secrets: rt.secrets },
      );
      const key = secret.slice('whsec_'.length);
      assert.ok(!rowsText(await tableRows(config.database)).includes(key), 'the database holds it sealed');
      const q = await rt.service.createQueue({ name: 'Desk', mode: 'service' });
      await rt.service.join(q.id, {}, null);

      const created = await createBackup({ config, store: rt.store, live: rt.live });
      const text = await backupText(created.path);
      assert.ok(text.includes(record.id), 'the reader does see the backup’s rows');
      assert.ok(!text.includes(key), 'no webhook secret in clear');
      const sealKey = await rt.store.getMeta('token_seal_key');
      assert.ok(sealKey && !text.includes(sealKey), 'nor the key that opens it');

      const t = await target(backend.name);
      await restoreBackup(config, created.id, { to: t.to });
      const rt2 = scratch.track(
        await createRuntime(loadConfig({ LOG_LEVEL: 'silent', ...t.env }), {
          logger: createLogger({ level: 'silent' }),
        }),
      );
      const [claimed] = await rt2.store.webhooks.claimDue('restored', new Date(), 60_000, 10);
      assert.ok(claimed, 'the delivery made before the backup is there');
      assert.equal(rt2.secrets.open(claimed.sealedSecret), secret, 'the restored node opens the secret to sign');
    });

    it('a random-draw room restored before it opens draws with the committed seed and admits', async () => {
      const { config, rt } = await system(scratch, backend.name);
      const opensAt = new Date(Date.now() + 3_600_000);
      const room = await rt.service.createQueue({
        name: 'Launch',
        mode: 'waiting_room',
        settings: {
          admission: { method: 'random', opensAt: opensAt.toISOString(), newPerMinute: 60, idleSeconds: 86_400 },
        } as never,
      });
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await rt.service.join(room.id, {}, null)).result.id);
      const before = await rt.rooms.drawView((await rt.store.getQueue(room.id))!);
      assert.match(before.commitment ?? '', /^[0-9a-f]{64}$/);
      assert.equal(before.seed, null);

      const created = await createBackup({ config, store: rt.store, live: rt.live });
      const t = await target(backend.name);
      await restoreBackup(config, created.id, { to: t.to });
      const opened = new Date(opensAt.getTime() + 1000);
      const rt2 = scratch.track(
        await createRuntime(loadConfig({ LOG_LEVEL: 'silent', ...t.env }), {
          logger: createLogger({ level: 'silent' }),
          now: () => opened,
        }),
      );
      const round = await rt2.rooms.round();
      assert.equal(round.drawn, 1);
      assert.ok(round.admitted >= 1, 'the restored room admits');

      const drawn = await rt2.rooms.drawView((await rt2.store.getQueue(room.id))!);
      assert.equal(drawn.commitment, before.commitment);
      assert.equal(
        createHash('sha256')
          .update(drawn.seed ?? '')
          .digest('hex'),
        before.commitment,
      );
      const order = [...ids].sort((a, b) => {
        const [x, y] = [a, b].map((id) =>
          createHmac('sha256', drawn.seed ?? '')
            .update(id)
            .digest('hex'),
        );
        return x! < y! ? -1 : 1;
      });
      const admitted = [];
      for (const id of ids) if ((await rt2.store.getTicket(id))?.status === 'admitted') admitted.push(id);
      assert.deepEqual(admitted.sort(), order.slice(0, admitted.length).sort(), 'the draw’s first are admitted');
    });
  });
}

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/index.js';
import { buildApp } from '../../src/http/app.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { call, COMBOS, type Isolation, MASTER_KEY } from '../support/harness.js';
import { assertError, createQueue, join } from './helpers.js';

/**
 * Guessing ticket ids and tokens (docs/api.md): failed guesses are throttled per client address
 * (429 with Retry-After), and each writes one short log line, not a full request line.
 */

const LIMIT = 5;

for (const combo of COMBOS) {
  describe(combo.name, { skip: combo.skip }, () => {
    let iso: Isolation;
    let close = async () => undefined as void;
    let base = '';
    const lines: string[] = [];

    before(async () => {
      iso = combo.isolate();
      const config = loadConfig({
        QK_MASTER_KEY: MASTER_KEY,
        QK_SCHEDULER: 'off',
        QK_JOIN_RATE_LIMIT: '0',
        QK_TOKEN_GUESS_LIMIT: String(LIMIT),
        QK_TRUST_PROXY: '1',
        PORT: '0',
        ...iso.env,
      });
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
          done();
        },
      });
      const rt = await createRuntime(config, { logger: pino({ level: 'info' }, sink) });
      const app = await buildApp(rt);
      await app.listen({ port: 0, host: '127.0.0.1' });
      await rt.start();
      const addr = app.server.address();
      base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
      close = async () => {
        await app.close();
        await rt.close();
      };
    });
    after(async () => {
      await close();
      await iso?.cleanup();
    });

    const from = (ip: string, token: string) => ({
      key: null,
      headers: { 'x-ticket-token': token, 'x-forwarded-for': ip },
    });

    test(`after ${LIMIT} failed guesses an address gets 429 with Retry-After, even with the right token`, async () => {
      const q = (await createQueue(base)).id;
      const t = await join(base, q);
      // The owner's polls put the ticket in the node's status cache: the block must hold there too.
      for (let i = 0; i < 2; i++)
        assert.equal((await call(base, 'GET', `/api/tickets/${t.id}`, from('198.51.100.7', t.token))).status, 200);
      const guesser = '203.0.113.66';
      for (let i = 0; i < LIMIT; i++) {
        const path = i % 2 === 0 ? `/api/tickets/${t.id}` : `/api/tickets/t_no_such_ticket_${i}`;
        assertError(await call(base, 'GET', path, from(guesser, `wrong-${i}`)), 404, 'not_found', `guess ${i + 1}`);
      }
      const refused = await call(base, 'GET', `/api/tickets/${t.id}`, from(guesser, 'wrong-again'));
      assertError(refused, 429, 'rate_limited', 'the guess after the limit');
      const retry = Number(refused.headers.get('retry-after'));
      assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
      for (const [method, path] of [
        ['GET', `/api/tickets/${t.id}`],
        ['DELETE', `/api/tickets/${t.id}`],
        ['GET', `/api/tickets/${t.id}/events?token=${encodeURIComponent(t.token)}`],
      ] as const)
        assertError(await call(base, method, path, from(guesser, t.token)), 429, 'rate_limited', `${method} ${path}`);
      // The ticket's owner, elsewhere, is not affected, and the blocked address changed nothing.
      const owner = await call(base, 'GET', `/api/tickets/${t.id}`, from('198.51.100.7', t.token));
      assert.equal(owner.status, 200);
      assert.equal(owner.body.status, 'waiting');
    });

    test('wrong-token renewals are guesses too: 429 after the limit, and the block holds on every ticket route', async () => {
      const q = (await createQueue(base)).id;
      const t = await join(base, q);
      const guesser = '203.0.113.88';
      for (let i = 0; i < LIMIT; i++)
        assertError(
          await call(base, 'POST', `/api/tickets/${t.id}/renew`, from(guesser, `wrong-${i}`)),
          404,
          'not_found',
          `renewal guess ${i + 1}`,
        );
      const refused = await call(base, 'POST', `/api/tickets/${t.id}/renew`, from(guesser, 'wrong-again'));
      assertError(refused, 429, 'rate_limited', 'the renewal guess after the limit');
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
      assertError(await call(base, 'GET', `/api/tickets/${t.id}`, from(guesser, t.token)), 429, 'rate_limited');
    });

    test('a customer polling their own ticket never counts as guessing', async () => {
      const q = (await createQueue(base)).id;
      const t = await join(base, q);
      for (let i = 0; i < LIMIT * 4; i++)
        assert.equal((await call(base, 'GET', `/api/tickets/${t.id}`, from('198.51.100.8', t.token))).status, 200);
    });

    test('failed guesses write one short line each; refused ones write none', async () => {
      const q = (await createQueue(base)).id;
      const t = await join(base, q);
      const guesser = '203.0.113.77';
      const mark = lines.length;
      for (let i = 0; i < 50; i++) await call(base, 'GET', `/api/tickets/${t.id}`, from(guesser, `wrong-${i}`));
      const mine = lines.slice(mark).filter((l) => l.includes(guesser));
      const bytes = mine.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
      // LIMIT guesses are allowed; the one after them is checked, refused with 429 and blocks the rest.
      assert.equal(mine.filter((l) => l.includes('"ticket_token_invalid"')).length, LIMIT + 1);
      assert.equal(mine.filter((l) => l.includes('"ticket_guessing_blocked"')).length, 1);
      assert.equal(mine.length, LIMIT + 2, mine.join('\n'));
      for (const l of mine) assert.ok(Buffer.byteLength(l) < 160, `${Buffer.byteLength(l)} bytes: ${l}`);
      assert.ok(!mine.some((l) => l.includes(t.id) || l.includes('wrong-')), 'lines name neither ticket nor token');
      console.log(`[guessing] ${combo.name}: 50 failed guesses wrote ${mine.length} lines, ${bytes} bytes`);
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, COMBOS, eventually, startNode, type Node } from '../support/harness.js';
import { createQueue, join } from '../http/helpers.js';
import { readMail, startSmtp } from '../support/receiver.js';

/**
 * A customer who joins with an email hears "nearly your turn" and "you are called (desk N)" in the
 * language they joined in, with the link back to their ticket page; a real SMTP server receives it.
 */

const PUBLIC_URL = 'https://queue.example.com';
const EXPECTED = {
  en: {
    near: (n: number) => `Ticket ${n}: nearly your turn`,
    called: (n: number) => `Ticket ${n}: you are called (desk D4)`,
    phrase: 'Please make your way back.',
  },
  es: {
    near: (n: number) => `Turno ${n}: ya casi es su turno`,
    called: (n: number) => `Turno ${n}: le están llamando (mostrador D4)`,
    phrase: 'Por favor, vuelva ya.',
  },
  ar: {
    near: (n: number) => `التذكرة ${n}: اقترب دورك`,
    called: (n: number) => `التذكرة ${n}: حان دورك (المكتب D4)`,
    phrase: 'يُرجى العودة.',
  },
} as const;

for (const combo of COMBOS) {
  describe(`emails in the customer's language (${combo.name})`, { skip: combo.skip }, () => {
    const iso = combo.isolate();
    let node: Node;
    let smtp: Awaited<ReturnType<typeof startSmtp>>;
    before(async () => {
      smtp = await startSmtp();
      node = await startNode(iso.env, {
        QK_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        QK_WEBHOOK_POLL_MS: '50',
        QK_PUBLIC_URL: PUBLIC_URL,
      });
    });
    after(async () => {
      await node?.close();
      await smtp?.close();
      await iso.cleanup();
    });

    for (const [lang, expected] of Object.entries(EXPECTED))
      test(`near and called in ${lang}, with the link to the ticket page`, async () => {
        const q = await createQueue(node.url, { settings: { notifyAtPosition: 2 } });
        await join(node.url, q.id);
        await join(node.url, q.id);
        const address = `${lang}-${q.id}@example.com`.toLowerCase();
        const mine = await join(node.url, q.id, { email: address, lang });
        for (let i = 0; i < 3; i++)
          assert.equal(
            (await call(node.url, 'POST', `/api/queues/${q.id}/call-next`, { body: { counter: 'D4' } })).status,
            200,
          );
        const mails = await eventually(async () => {
          const got = smtp.mails.filter((m) => m.to.includes(address)).map((m) => readMail(m.raw));
          assert.equal(got.length, 2);
          return got;
        });
        assert.deepEqual(
          mails.map((m) => m.subject),
          [expected.near(mine.number), expected.called(mine.number)],
        );
        for (const m of mails) assert.ok(m.text.includes(`${PUBLIC_URL}/t/${mine.id}`), m.text);
        assert.ok(mails[0]?.text.includes(expected.phrase), mails[0]?.text);
      });

    test('the sent emails, and only they, show in /metrics as delivered, with their delivery time', async () => {
      const metrics = (await call(node.url, 'GET', '/metrics')).body as string;
      // Only mails sent count: the called tickets with no address settle their email rows unsent.
      const delivered = /^qk_outbox_delivered_total\{channel="email"\} (\d+)/m.exec(metrics)?.[1];
      assert.equal(Number(delivered), smtp.mails.length);
      assert.match(metrics, /^qk_outbox_delivery_seconds_count\{channel="email"\} [1-9]/m);
    });

    test('an email that is not one, an email with a contact, or an unknown language: 400, and nothing joins', async () => {
      const q = await createQueue(node.url);
      for (const body of [
        { email: 'not-an-address' },
        { email: 'a@b' },
        { email: 'ana@example.com', contact: '+34 600 000 000' },
        { email: 'ana@example.com', lang: 'fr' },
      ]) {
        const r = await call(node.url, 'POST', `/api/queues/${q.id}/tickets`, { body, key: null });
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.equal(r.body.error.code, 'validation_failed');
      }
      const view = await call(node.url, 'GET', `/api/queues/${q.id}`, { key: null });
      assert.equal(view.body.waitingCount, 0);
    });

    test('the email is kept as the ticket contact operators see', async () => {
      const q = await createQueue(node.url);
      const t = await join(node.url, q.id, { email: ' Ana@Example.com ', lang: 'es' });
      const list = await call(node.url, 'GET', `/api/queues/${q.id}/tickets`);
      assert.equal(list.body.items.find((i: { id: string }) => i.id === t.id)?.contact, 'Ana@Example.com');
    });
  });
}

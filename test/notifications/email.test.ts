import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { call, COMBOS, eventually, startNode, type Node } from '../support/harness.js';
import { startSmtp, type MailReceiver } from '../support/receiver.js';
import { createQueue, join } from '../http/helpers.js';

/** Email notifications, received by a real SMTP server listening on loopback. */

describe('SMTP configuration', () => {
  test('a QK_SMTP_URL that does not parse, or is not smtp, stops the start naming the variable', () => {
    for (const bad of ['not a url', 'http://mail.example.com', 'smtp://'])
      assert.throws(
        () => loadConfig({ QK_SMTP_URL: bad }),
        (e: Error) => e.message.includes('QK_SMTP_URL'),
        bad,
      );
    assert.equal(loadConfig({ QK_SMTP_URL: 'smtps://u:p@mail.example.com:465' }).notifications.smtpUrl !== null, true);
  });
});

for (const combo of COMBOS) {
  describe(`email notifications (${combo.name})`, { skip: combo.skip }, () => {
    const iso = combo.isolate();
    let node: Node;
    let smtp: MailReceiver;
    before(async () => {
      smtp = await startSmtp();
      node = await startNode(iso.env, {
        QK_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        QK_WEBHOOK_POLL_MS: '50',
        QK_PUBLIC_URL: 'https://queue.example.com',
      });
    });
    after(async () => {
      await node?.close();
      await smtp?.close();
      await iso.cleanup();
    });

    test('a customer with an email hears when near and when called; others get nothing', async () => {
      const q = await createQueue(node.url, { settings: { notifyAtPosition: 2 } });
      const t1 = await join(node.url, q.id, { contact: '+33 6 00 00 00 00' });
      const t2 = await join(node.url, q.id, { contact: 't2@example.com' });
      const t3 = await join(node.url, q.id, { contact: 't3@example.com' });
      const t4 = await join(node.url, q.id, { contact: 't4@example.com' });
      for (const t of [t1, t2, t3]) {
        const r = await call(node.url, 'POST', `/api/queues/${q.id}/call-next`, { body: { counter: 'D7' } });
        assert.equal(r.body.id, t.id);
      }
      // t3 and t4 move up to 2nd; t1 (a phone number), t2 and t3 are called.
      await eventually(async () => assert.equal(smtp.mails.length, 4));
      const subjects = (addr: string) =>
        smtp.mails.filter((m) => m.to.includes(addr)).map((m) => /^Subject: (.*)$/m.exec(m.raw)?.[1]);
      assert.deepEqual(subjects('t3@example.com'), [
        `Ticket ${t3.number}: nearly your turn`,
        `Ticket ${t3.number}: you are called (desk D7)`,
      ]);
      assert.deepEqual(subjects('t2@example.com'), [`Ticket ${t2.number}: you are called (desk D7)`]);
      assert.deepEqual(subjects('t4@example.com'), [`Ticket ${t4.number}: nearly your turn`]);
      const near = smtp.mails.find((m) => m.to.includes('t4@example.com'))?.raw ?? '';
      assert.match(near.replace(/=\r?\n/g, ''), new RegExp(`https://queue.example.com/t/${t4.id}`));
      const hooks = await call(node.url, 'GET', '/api/webhooks');
      assert.equal(hooks.body.items.length, 0, 'the email channel is not listed as a webhook');
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { call, COMBOS, eventually, type Isolation, type Node, startNode } from '../support/harness.js';
import { createQueue } from '../http/helpers.js';
import { readMail, startSmtp } from '../support/receiver.js';
import { axeProblems, launchBrowser, skipBrowser, watchedPage } from '../support/browser.js';

/**
 * The join page's optional email (docs/pages.md): offered only when the server can send email,
 * checked by the server, and the messages arrive at a real SMTP server in the page's language.
 */
describe('email on the join page in a browser', { skip: skipBrowser }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  describe('with SMTP configured', () => {
    let iso: Isolation;
    let node: Node;
    let smtp: Awaited<ReturnType<typeof startSmtp>>;
    before(async () => {
      smtp = await startSmtp();
      iso = COMBOS[0]!.isolate();
      node = await startNode(iso.env, {
        QK_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        QK_WEBHOOK_POLL_MS: '50',
        QK_PUBLIC_URL: 'https://queue.example.com',
      });
    });
    after(async () => {
      await node?.close();
      await smtp?.close();
      await iso?.cleanup();
    });

    test('a Spanish page takes an email, and the call arrives in Spanish', async () => {
      const q = await createQueue(node.url, { name: 'Registro civil' });
      const w = await watchedPage(browser, node.url);
      const { page } = w;
      try {
        await page.goto(`${node.url}/q/${q.id}?lang=es`);
        const email = page.getByLabel('Correo para avisarle cuando casi sea su turno (opcional)');
        assert.equal(await email.getAttribute('type'), 'email');
        assert.deepEqual(await axeProblems(page), [], 'join page with the email field');
        await email.fill('maria@example.com');
        await page.getByRole('button', { name: 'Unirse' }).click();
        await page.waitForURL(/\/t\/[A-Za-z0-9_-]+$/);
        const ticketId = new URL(page.url()).pathname.split('/')[2] as string;
        const called = await call(node.url, 'POST', `/api/queues/${q.id}/call-next`, { body: { counter: '3' } });
        assert.equal(called.body.id, ticketId);
        assert.equal(called.body.contact, 'maria@example.com');
        const mail = await eventually(async () => {
          const m = smtp.mails.find((x) => x.to.includes('maria@example.com'));
          assert.ok(m);
          return readMail(m.raw);
        }, 30_000);
        assert.equal(mail.subject, `Turno ${called.body.number}: le están llamando (mostrador 3)`);
        assert.ok(mail.text.includes(`https://queue.example.com/t/${ticketId}`), mail.text);
        assert.deepEqual(w.problems, []);
        assert.deepEqual(w.foreign, []);
      } finally {
        await w.context.close();
      }
    });

    test('an address the server refuses is shown next to the field, and nobody joins', async () => {
      const q = await createQueue(node.url);
      const w = await watchedPage(browser, node.url);
      const { page } = w;
      try {
        await page.goto(`${node.url}/q/${q.id}`);
        // The browser's own check lets this pass; the server's does not (no dot in the domain).
        await page.getByLabel(/^Email/).fill('ana@localhost');
        await page.getByRole('button', { name: 'Join' }).click();
        await page.getByText('Enter an email address, such as ana@example.com.').waitFor();
        assert.equal(await page.getByLabel(/^Email/).getAttribute('aria-invalid'), 'true');
        assert.match(page.url(), /\/q\//);
        const view = await call(node.url, 'GET', `/api/queues/${q.id}`, { key: null });
        assert.equal(view.body.waitingCount, 0);
      } finally {
        await w.context.close();
      }
    });
  });

  describe('without SMTP', () => {
    let iso: Isolation;
    let node: Node;
    before(async () => {
      iso = COMBOS[0]!.isolate();
      node = await startNode(iso.env);
    });
    after(async () => {
      await node?.close();
      await iso?.cleanup();
    });

    test('the join page offers no email field', async () => {
      const q = await createQueue(node.url);
      const w = await watchedPage(browser, node.url);
      try {
        await w.page.goto(`${node.url}/q/${q.id}`);
        await w.page.getByRole('button', { name: 'Join' }).waitFor();
        assert.equal(await w.page.locator('input[type=email]').count(), 0);
      } finally {
        await w.context.close();
      }
    });
  });
});

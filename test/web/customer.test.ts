import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { axeProblems, skipBrowser, suiteBrowser, watchedPage } from '../support/browser.js';
import { call, COMBOS, suiteNode } from '../support/harness.js';
import { createQueue, join } from '../http/helpers.js';

/**
 * The customer's path in a real browser (docs/pages.md): join from the page, see the position, get
 * called by an operator, leave. Updates arrive over the ticket's event stream without a reload.
 */
describe('customer pages in a browser', { skip: skipBrowser }, () => {
  const chrome = suiteBrowser();

  for (const combo of COMBOS) {
    describe(combo.name, { skip: combo.skip }, () => {
      const node = suiteNode(combo);

      test('join → live position → called at a desk → leave', async () => {
        const q = await createQueue(node.url, { name: 'Passport office' });
        const first = await join(node.url, q.id);
        const w = await watchedPage(chrome.browser, node.url);
        const { page } = w;
        /** The screen reader's live region, once it says `text`. */
        const said = (text: string) =>
          page.locator('p.sr-only[aria-live]').filter({ hasText: text }).waitFor({ state: 'attached' });
        try {
          await page.goto(`${node.url}/q/${q.id}`);
          await page.getByRole('heading', { name: 'Passport office' }).waitFor();
          assert.equal(await page.getByTestId('waiting-count').textContent(), '1');
          assert.deepEqual(await axeProblems(page), [], 'join page accessibility');

          await page.getByLabel('Your name (optional)').fill('Ada');
          await page.getByRole('button', { name: 'Join' }).dblclick();
          await page.waitForURL(/\/t\/[A-Za-z0-9_-]+$/);
          const ticketId = new URL(page.url()).pathname.split('/')[2] as string;
          await page.getByTestId('position').filter({ hasText: '2' }).waitFor();
          assert.equal(await page.evaluate(() => location.hash), '', 'the token left the address bar');
          const token = await page.evaluate((id) => localStorage.getItem(`qk-token:${id}`), ticketId);
          assert.ok(token, 'the token is kept in storage');
          const api = await call(node.url, 'GET', `/api/tickets/${ticketId}`, {
            key: null,
            headers: { 'x-ticket-token': token },
          });
          assert.equal(await page.getByTestId('number').textContent(), String(api.body.number));
          assert.equal(await page.getByTestId('status').textContent(), 'waiting');
          assert.match((await page.getByTestId('eta').textContent()) ?? '', /^(\d+–\d+ min|No wait)$/);
          const waiting = await call(node.url, 'GET', `/api/queues/${q.id}/tickets?status=waiting`);
          assert.equal(waiting.body.items.length, 2, 'a double tap on Join made one ticket');
          assert.deepEqual(await axeProblems(page), [], 'ticket page accessibility');

          const called1 = await call(node.url, 'POST', `/api/queues/${q.id}/call-next`, {
            body: { counter: 'Desk 1' },
          });
          assert.equal(called1.body.id, first.id);
          await page.getByTestId('position').filter({ hasText: /^1$/ }).waitFor();
          await said('You are number 1 in line.');
          await call(node.url, 'POST', `/api/queues/${q.id}/call-next`, { body: { counter: 'Desk 4' } });
          await page.getByTestId('counter').filter({ hasText: 'Desk 4' }).waitFor();
          await said('It is your turn! Please go to Desk 4');
          assert.equal(await page.getByTestId('counter').textContent(), 'Desk 4');
          assert.equal(await page.getByTestId('status').textContent(), 'called');
          assert.match(await page.title(), /Desk 4/, 'a background tab shows the call in its title');
          const reads = w.requests.filter((r) => r === `GET /api/tickets/${ticketId}`).length;
          assert.equal(reads, 1, 'after the first read, changes came over the event stream, not polling');
          assert.deepEqual(await axeProblems(page), [], 'called ticket accessibility');

          await page.reload();
          await page.getByTestId('counter').filter({ hasText: 'Desk 4' }).waitFor();

          let asked = '';
          page.once('dialog', (d) => {
            asked = d.message();
            void d.accept();
          });
          await page.getByRole('button', { name: 'Leave' }).click();
          await page.getByText('You left the queue.', { exact: true }).waitFor();
          await said('Status: left. You left the queue.');
          assert.match(asked, /Leave the queue/);
          assert.equal(await page.getByTestId('status').getAttribute('data-status'), 'left');
          const after = await call(node.url, 'GET', `/api/tickets/${ticketId}`, {
            key: null,
            headers: { 'x-ticket-token': token },
          });
          assert.equal(after.body.status, 'left');
          assert.deepEqual(w.problems, []);
          assert.deepEqual(w.foreign, []);
        } finally {
          await w.context.close();
        }
      });
    });
  }

  describe('SQLite + in-process', () => {
    const node = suiteNode(COMBOS[0]!);

    test('without its event stream the page falls back to polling', async () => {
      const q = await createQueue(node.url);
      const mine = await join(node.url, q.id);
      const w = await watchedPage(chrome.browser, node.url);
      try {
        await w.page.clock.install();
        await w.page.route('**/events?*', (r) => r.abort());
        await w.page.goto(`${node.url}/t/${mine.id}#${mine.token}`);
        await w.page.getByTestId('position').filter({ hasText: /^1$/ }).waitFor();
        await w.page.getByText('Reconnecting…').waitFor();
        await call(node.url, 'POST', `/api/queues/${q.id}/call-next`, { body: { counter: 'Desk 2' } });
        await w.page.clock.runFor(6000);
        await w.page.getByTestId('counter').filter({ hasText: 'Desk 2' }).waitFor();
      } finally {
        await w.context.close();
      }
    });

    test('a ticket without its token says it is not on this device, and links to the join page', async () => {
      const q = await createQueue(node.url);
      const mine = await join(node.url, q.id);
      const w = await watchedPage(chrome.browser, node.url);
      try {
        await w.page.goto(`${node.url}/t/${mine.id}`);
        await w.page.getByRole('heading', { name: 'This ticket is not on this device.' }).waitFor();
        assert.equal(await w.page.getByRole('link', { name: 'Join the queue' }).getAttribute('href'), `/q/${q.id}`);
        await w.page.goto(`${node.url}/t/${mine.id}#not-the-token`);
        await w.page.getByRole('heading', { name: 'This ticket is not on this device.' }).waitFor();
        assert.deepEqual(await axeProblems(w.page), []);
      } finally {
        await w.context.close();
      }
    });
  });
});

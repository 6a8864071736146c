import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { skipBrowser, suiteBrowser, watchedPage } from '../support/browser.js';
import { call, COMBOS, suiteNode } from '../support/harness.js';
import { createQueue, join } from '../http/helpers.js';

/** The join page says how often the estimate held, once the queue has measured enough calls. */
describe('the estimate’s record on the join page', { skip: skipBrowser }, () => {
  const chrome = suiteBrowser();

  for (const combo of COMBOS) {
    describe(combo.name, { skip: combo.skip }, () => {
      const node = suiteNode(combo);

      test('hidden on a new queue, shown in words after twenty calls', async () => {
        const q = await createQueue(node.url, { name: 'Town hall' });
        const { context, page } = await watchedPage(chrome.browser, node.url);
        try {
          await page.goto(`${node.url}/q/${q.id}`);
          await page.getByRole('heading', { name: 'Town hall' }).waitFor();
          assert.equal(await page.getByTestId('eta-held').isVisible(), false);
          for (let i = 0; i < 20; i++) {
            await join(node.url, q.id);
            await call(node.url, 'POST', `/api/queues/${q.id}/call-next`, { body: {} });
          }
          const pub = await call(node.url, 'GET', `/api/queues/${q.id}`, { key: null });
          assert.equal(pub.body.etaCoverage.samples, 20);
          const n = Math.round(pub.body.etaCoverage.coverage * 10);
          await page.goto(`${node.url}/q/${q.id}`);
          await page.getByTestId('eta-held').waitFor();
          assert.equal(
            await page.getByTestId('eta-held').textContent(),
            `${n} in 10 recent customers were called within the time shown`,
          );
          await page.goto(`${node.url}/q/${q.id}?lang=es`);
          assert.match((await page.getByTestId('eta-held').textContent()) ?? '', /de cada 10 clientes recientes/);
        } finally {
          await context.close();
        }
      });
    });
  }
});

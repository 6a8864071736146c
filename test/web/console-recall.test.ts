import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { call, COMBOS, eventually, MASTER_KEY, type Isolation, type Node, startNode } from '../support/harness.js';
import { createQueue, join } from '../http/helpers.js';
import { axeProblems, launchBrowser, skipBrowser, watchedPage } from '../support/browser.js';

/** How many times the ticket page has alerted its customer (the call, then each recall). */
const alerts = async (page: Page) => Number((await page.locator('[data-alerts]').getAttribute('data-alerts')) ?? 0);

for (const combo of COMBOS) {
  describe(`console desk: recall (${combo.name})`, { skip: skipBrowser || combo.skip }, () => {
    let browser: Browser;
    let iso: Isolation;
    let node: Node;
    before(async () => {
      browser = await launchBrowser();
      iso = combo.isolate();
      node = await startNode(iso.env);
    });
    after(async () => {
      await browser?.close();
      await node?.close();
      await iso?.cleanup();
    });

    test('Recall (button and A) announces the called ticket again and its page alerts again', async () => {
      const q = await createQueue(node.url, { name: 'Licences' });
      const ana = await join(node.url, q.id, { name: 'Ana' });
      const phone = await watchedPage(browser, node.url);
      const desk = await watchedPage(browser, node.url);
      try {
        await phone.page.goto(`${node.url}/t/${ana.id}#${ana.token}`);
        await phone.page.getByTestId('position').getByText('1').waitFor();

        const { page } = desk;
        await page.goto(`${node.url}/dashboard`);
        await page.getByLabel('API key').fill(MASTER_KEY);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('link', { name: 'Licences' }).click();
        await page.getByLabel('Your desk or counter').fill('Desk 7');
        await page.getByRole('button', { name: 'Use this desk' }).click();
        assert.equal(await page.getByRole('button', { name: 'Recall' }).isDisabled(), true, 'nobody called yet');

        await page.getByRole('button', { name: 'Call next' }).click();
        await page.getByTestId('called-number').getByText(String(ana.number)).waitFor();
        await phone.page.getByTestId('counter').getByText('Desk 7').waitFor();
        await eventually(async () => assert.equal(await alerts(phone.page), 1));

        await page.getByRole('button', { name: 'Recall' }).click();
        await page.getByText(`${ana.number} called again to Desk 7.`).waitFor();
        await eventually(async () => assert.equal(await alerts(phone.page), 2, 'the recall alerts again'));
        await page.getByTestId('recalls').getByText('recalled 1×').waitFor();

        assert.match(await page.locator('#shortcuts').innerText(), /A recall/);
        await page.keyboard.press('a');
        await eventually(async () => assert.equal(await alerts(phone.page), 3, 'A recalls too'));
        const t = await call(node.url, 'GET', `/api/queues/${q.id}/tickets?status=called`);
        assert.equal(t.body.items[0].recalls, 2);
        assert.equal(t.body.items[0].counter, 'Desk 7');
        assert.equal(await phone.page.getByTestId('status').getAttribute('data-status'), 'called');

        assert.deepEqual(await axeProblems(page), [], 'desk accessibility');
        for (const w of [desk, phone]) {
          assert.deepEqual(w.problems, [], 'console errors');
          assert.deepEqual(w.foreign, [], 'requests off the server');
        }
      } finally {
        await phone.context.close();
        await desk.context.close();
      }
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { RETRY_DELAYS_MS } from '../../src/domain/webhook-attempt.js';
import { WebhookDispatcher } from '../../src/domain/webhook-dispatcher.js';
import { registerWebhook } from '../../src/domain/webhooks.js';
import { call, COMBOS, eventually, MASTER_KEY, type Isolation, type Node, startNode } from '../support/harness.js';
import { createQueue, join } from '../http/helpers.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { axeProblems, launchBrowser, skipBrowser, watchedPage, type Watched } from '../support/browser.js';

/** The node sends no webhook by itself here: the test's own dispatcher, on a moved clock, does. */
const IDLE = { QK_WEBHOOK_PRIVATE: 'on', QK_WEBHOOK_POLL_MS: '60000' };

async function signIn(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/dashboard`);
  await page.getByLabel('API key').fill(MASTER_KEY);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function clean(w: Watched, label: string): Promise<void> {
  assert.deepEqual(await axeProblems(w.page), [], `${label}: accessibility`);
  assert.deepEqual(w.problems, [], `${label}: console errors`);
  assert.deepEqual(w.foreign, [], `${label}: requests off the server`);
}

describe(
  'operator console: admission settings, queue charts, webhooks (SQLite + in-process)',
  { skip: skipBrowser },
  () => {
    let browser: Browser;
    let iso: Isolation;
    let node: Node;
    let rx: Receiver;
    before(async () => {
      browser = await launchBrowser();
      rx = await startReceiver();
      iso = COMBOS[0]!.isolate();
      node = await startNode(iso.env, IDLE);
    });
    after(async () => {
      await browser?.close();
      await node?.close();
      await rx?.close();
      await iso?.cleanup();
    });

    test("a waiting room's admission is edited in the settings form; the server's refusal shows at the field", async () => {
      const q = await createQueue(node.url, { name: 'Concert tickets', mode: 'waiting_room' });
      const w = await watchedPage(browser, node.url);
      const { page } = w;
      try {
        await signIn(page, node.url);
        const row = page.getByTestId('queue-row').filter({ hasText: 'Concert tickets' });
        await row.getByRole('button', { name: 'Settings' }).click();
        const form = page.getByRole('form', { name: 'Settings of Concert tickets' });
        assert.equal(await form.getByLabel('Admitted per minute').inputValue(), '60');
        assert.equal(await form.getByLabel('Admission order').inputValue(), 'fifo');

        await form.getByLabel('Admitted per minute').fill('0');
        await form.getByRole('button', { name: 'Save settings' }).click();
        const field = form.getByLabel('Admitted per minute');
        await eventually(async () => assert.equal(await field.getAttribute('aria-invalid'), 'true'));
        const said = (await page.locator(`#newPerMinute-${q.id}-error`).textContent()) ?? '';
        assert.match(said, /1/, `the field's message: ${said}`);
        await form
          .getByRole('alert')
          .getByText(/Not saved: Admitted per minute/)
          .waitFor();
        assert.equal((await call(node.url, 'GET', `/api/queues/${q.id}`)).body.settings.admission.newPerMinute, 60);
        // The browser logs the refused request itself; the message on the page is the point here.
        assert.deepEqual(w.problems.splice(0), [
          'console: Failed to load resource: the server responded with a status of 400 (Bad Request)',
        ]);
        assert.deepEqual(await axeProblems(page), [], 'settings form with an error');

        await field.fill('120');
        await form.getByLabel(/At most active/).fill('50');
        await form.getByLabel('Session length (seconds)').fill('900');
        await form.getByLabel('Admission order').selectOption('random');
        await form.getByLabel(/Opens at/).fill('2030-06-01T09:30');
        await form.getByLabel(/Idle visitor/).fill('600');
        await form.getByLabel(/Site to continue to/).fill('https://shop.example.com/launch');
        await form.getByRole('button', { name: 'Save settings' }).click();
        await page.getByText('Concert tickets: saved.').waitFor();
        const a = (await call(node.url, 'GET', `/api/queues/${q.id}`)).body.settings.admission;
        const opensAt = await page.evaluate(() => new Date('2030-06-01T09:30').toISOString());
        assert.deepEqual(a, {
          newPerMinute: 120,
          maxActive: 50,
          sessionSeconds: 900,
          method: 'random',
          opensAt,
          idleSeconds: 600,
          siteUrl: 'https://shop.example.com/launch',
        });

        await form.waitFor({ state: 'detached' });
        await row.getByRole('button', { name: 'Settings' }).click();
        assert.equal(await form.getByLabel(/At most active/).inputValue(), '50');
        await form.getByLabel(/At most active/).fill('');
        await form.getByRole('button', { name: 'Save settings' }).click();
        await page.getByText('Concert tickets: saved.').waitFor();
        assert.equal((await call(node.url, 'GET', `/api/queues/${q.id}`)).body.settings.admission.maxActive, null);
        await clean(w, 'settings');
      } finally {
        await w.context.close();
      }
    });

    test('daily ticket numbering is chosen in the settings form; an unknown time zone is refused at its field', async () => {
      const q = await createQueue(node.url, { name: 'Bakery counter' });
      const w = await watchedPage(browser, node.url);
      const { page } = w;
      try {
        await signIn(page, node.url);
        const row = page.getByTestId('queue-row').filter({ hasText: 'Bakery counter' });
        await row.getByRole('button', { name: 'Settings' }).click();
        const form = page.getByRole('form', { name: 'Settings of Bakery counter' });
        assert.equal(await form.getByLabel('Ticket numbers').inputValue(), 'continuous');
        await form.getByLabel('Ticket numbers').selectOption('daily');
        const zone = form.getByLabel(/Time zone of the day/);
        await zone.fill('Mars/Olympus');
        await form.getByRole('button', { name: 'Save settings' }).click();
        await eventually(async () => assert.equal(await zone.getAttribute('aria-invalid'), 'true'));
        const said = (await page.locator(`#timezone-${q.id}-error`).textContent()) ?? '';
        assert.match(said, /time zone/, `the field's message: ${said}`);
        assert.equal(
          (await call(node.url, 'GET', `/api/queues/${q.id}`)).body.settings.numbering ?? 'continuous',
          'continuous',
        );
        w.problems.splice(0);

        await zone.fill('Asia/Tokyo');
        await form.getByRole('button', { name: 'Save settings' }).click();
        await page.getByText('Bakery counter: saved.').waitFor();
        const settings = (await call(node.url, 'GET', `/api/queues/${q.id}`)).body.settings;
        assert.deepEqual([settings.numbering, settings.timezone], ['daily', 'Asia/Tokyo']);
        await clean(w, 'numbering');
      } finally {
        await w.context.close();
      }
    });

    test('one queue hour by hour: joins and calls, and how often the quoted wait held', async () => {
      const q = await createQueue(node.url, { name: 'Pharmacy' });
      for (const name of ['Ana', 'Ben', 'Cy']) await join(node.url, q.id, { name });
      for (let i = 0; i < 2; i++)
        assert.equal((await call(node.url, 'POST', `/api/queues/${q.id}/call-next`, { body: {} })).status, 200);
      const w = await watchedPage(browser, node.url);
      const { page } = w;
      try {
        await signIn(page, node.url);
        await page.getByTestId('queue-row').first().waitFor();
        await page.getByRole('link', { name: 'Charts' }).click();
        await page.getByLabel('Queue', { exact: true }).selectOption({ label: 'Pharmacy' });
        const counts = page.getByRole('img', { name: /^Joins and calls per hour/ });
        await eventually(async () =>
          assert.match((await counts.getAttribute('aria-label')) ?? '', /Joined: latest 3, .*Called: latest 2,/),
        );
        const accuracy = page.getByRole('img', { name: /^Estimate accuracy per hour/ });
        assert.match((await accuracy.getAttribute('aria-label')) ?? '', /Coverage: latest (0|50|100),/);
        assert.equal(await page.getByTestId('chart').locator('canvas').count(), 2, 'the per-queue charts draw');
        assert.ok(w.requests.some((r) => r.startsWith(`GET /api/queues/${q.id}/stats.csv`)));

        await page.getByLabel('Period').selectOption({ label: 'Last 7 days' });
        await eventually(async () =>
          assert.ok(w.requests.filter((r) => r.includes(`/api/queues/${q.id}/stats.csv`)).length >= 2),
        );
        await clean(w, 'queue charts');
      } finally {
        await w.context.close();
      }
    });

    test('webhooks: the outbox depth, recent deliveries, and Send again for a failed one', async () => {
      let now = Date.now() + 1000;
      const id = (
        await registerWebhook(
          node.rt.store.webhooks,
          { url: rx.url, events: ['ticket.joined'], includeContact: false },
          { allowPrivate: true, now: new Date(), secrets: node.rt.secrets },
        )
      ).record.id;
      const d = new WebhookDispatcher({
        store: node.rt.store.webhooks,
        secrets: node.rt.secrets,
        owner: 'test',
        timeoutMs: 2000,
        pollMs: 60_000,
        clock: () => new Date(now),
      });
      const q = await createQueue(node.url, { name: 'Webhooks shop' });
      const t = await join(node.url, q.id);
      rx.mode = 'fail';
      for (let i = 0; i <= RETRY_DELAYS_MS.length; i++) {
        await d.runOnce();
        now += RETRY_DELAYS_MS[i] ?? 0;
      }
      const w = await watchedPage(browser, node.url);
      const { page } = w;
      try {
        await signIn(page, node.url);
        await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
        const hook = page.getByTestId('webhook').filter({ hasText: rx.url });
        await eventually(async () => assert.equal(await page.getByTestId('outbox-failed').textContent(), '1'));
        assert.equal(await hook.getByTestId('webhook-failed').textContent(), '1');
        const row = hook.getByTestId('delivery-row').filter({ hasText: t.id });
        assert.equal(await row.getByTestId('delivery-status').textContent(), 'failed');
        assert.match(
          await row.innerText(),
          new RegExp(`ticket\\.joined\\s+${t.id}\\s+failed\\s+${RETRY_DELAYS_MS.length + 1}\\s`),
        );
        assert.match(await row.innerText(), /HTTP 500/);
        assert.deepEqual(await axeProblems(page), [], 'webhooks accessibility');

        rx.mode = 'ok';
        await row.getByRole('button', { name: 'Send again' }).click();
        await page.getByText(`ticket.joined for ticket ${t.id}: sent again.`).waitFor();
        await eventually(async () => assert.equal(await row.getByTestId('delivery-status').textContent(), 'pending'));
        assert.equal(await page.getByTestId('outbox-failed').textContent(), '0');
        now = Date.now() + 1000;
        assert.equal(await d.runOnce(), 1);
        await eventually(async () => assert.equal(await row.getByTestId('delivery-status').textContent(), 'delivered'));
        assert.ok(rx.received.some((r) => r.json.data.id === t.id));
        const listed = await call(node.url, 'GET', `/api/webhooks/${id}/deliveries`);
        assert.equal(listed.body.items[0].status, 'delivered');
        await clean(w, 'webhooks');
      } finally {
        await w.context.close();
      }
    });
  },
);

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { axeProblems, skipBrowser, suiteBrowser, watchedPage, type Watched } from '../support/browser.js';
import { call, COMBOS, eventually, MASTER_KEY, suiteNode } from '../support/harness.js';
import { createQueue, join } from '../http/helpers.js';

async function signIn(page: Page, base: string, key: string): Promise<void> {
  await page.goto(`${base}/dashboard`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const text = async (page: Page, testId: string) =>
  ((await page.getByTestId(testId).first().textContent()) ?? '').trim();
/** Waits until the page shows `want` in the element, and says what it showed instead when it does not. */
async function shows(page: Page, testId: string, want: string): Promise<void> {
  await eventually(async () => assert.equal(await text(page, testId), want));
}
const rows = (page: Page) => page.getByTestId('ticket-row');

async function clean(w: Watched, label: string): Promise<void> {
  assert.deepEqual(await axeProblems(w.page), [], `${label}: accessibility`);
  assert.deepEqual(w.problems, [], `${label}: console errors`);
  assert.deepEqual(w.foreign, [], `${label}: requests off the server`);
}

for (const combo of COMBOS) {
  describe(`operator console, desk work (${combo.name})`, { skip: skipBrowser || combo.skip }, () => {
    const chrome = suiteBrowser();
    const node = suiteNode(combo);

    test('sign in, a queue filling live, call next, serve, no-show, requeue, pause', async () => {
      const w = await watchedPage(chrome.browser, node.url);
      const { page } = w;
      try {
        await signIn(page, node.url, 'not-a-key-0000000000000000000000');
        await page.getByText('That API key is not accepted.').waitFor();
        // The browser logs the refused sign-in itself; that answer is the point of this step.
        assert.deepEqual(w.problems.splice(0), [
          'console: Failed to load resource: the server responded with a status of 401 (Unauthorized)',
        ]);
        assert.equal(await page.evaluate(() => sessionStorage.length + localStorage.length), 0);

        await page.getByLabel('API key').fill(MASTER_KEY);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByLabel('Queue name').fill('Passports');
        await page.getByRole('button', { name: 'Create queue' }).click();
        await page.getByRole('link', { name: 'Passports' }).click();
        assert.equal(await page.evaluate(() => sessionStorage.getItem('qk-console-key')), MASTER_KEY);
        assert.equal(await page.evaluate(() => localStorage.getItem('qk-console-key')), null);

        await page.getByLabel('Your desk or counter').fill('Desk 4');
        await page.getByRole('button', { name: 'Use this desk' }).click();
        await shows(page, 'desk', 'Desk 4');
        await shows(page, 'waiting-count', '0');
        const queueId = decodeURIComponent(new URL(page.url()).hash.split('/')[2] as string);

        const joined = [];
        for (const name of ['Ana', 'Ben', 'Chloé']) joined.push(await join(node.url, queueId, { name }));
        await shows(page, 'waiting-count', '3');
        await eventually(async () => assert.equal(await rows(page).count(), 3));
        assert.match(await rows(page).first().innerText(), /1\s+\d+\s+Ana\s+normal/);
        assert.deepEqual(await axeProblems(page), [], 'desk accessibility');

        await page.getByRole('button', { name: 'Call next' }).click();
        await shows(page, 'called-number', String(joined[0]!.number));
        await eventually(async () => assert.equal(await rows(page).count(), 2));
        await page.getByRole('button', { name: 'Serve' }).click();
        await page.getByText('No ticket is called at this desk.').waitFor();
        const served = await call(node.url, 'GET', `/api/queues/${queueId}/tickets?status=served`);
        assert.deepEqual(
          served.body.items.map((t: { number: number }) => t.number),
          [joined[0]!.number],
        );

        // The shortcuts listed on the page: N calls, X marks a no-show, R requeues.
        assert.match(await page.locator('#shortcuts').innerText(), /N call next.*S serve.*X no-show.*R requeue/);
        await page.keyboard.press('n');
        await shows(page, 'called-number', String(joined[1]!.number));
        await page.keyboard.press('x');
        await page.getByText('No ticket is called at this desk.').waitFor();
        const noShow = await call(node.url, 'GET', `/api/queues/${queueId}/tickets?status=no_show`);
        assert.equal(noShow.body.items[0].number, joined[1]!.number);
        // The customer turns up late: the desk puts its last no-show back in the line.
        await page.getByRole('button', { name: `Requeue ${joined[1]!.number}` }).click();
        await eventually(async () => assert.equal(await rows(page).count(), 2));

        await page.getByRole('button', { name: 'Call next' }).click();
        await shows(page, 'called-number', String(joined[2]!.number));
        await page.getByRole('button', { name: 'Requeue', exact: true }).click();
        await eventually(async () =>
          assert.deepEqual(
            (await rows(page).allInnerTexts()).map((r) => r.split(/\s+/)[2]),
            ['Ben', 'Chloé'],
          ),
        );

        // Out of order, from the row; and the desk survives a reload (chosen once per browser).
        await page.reload();
        await shows(page, 'desk', 'Desk 4');
        await page.getByRole('button', { name: `Call ${joined[2]!.number} now` }).click();
        await shows(page, 'called-number', String(joined[2]!.number));

        await page.getByRole('link', { name: '← All queues' }).click();
        const row = page.getByTestId('queue-row').filter({ hasText: 'Passports' });
        await row.getByRole('button', { name: 'Pause' }).click();
        await row.getByText('paused').waitFor();
        assert.equal((await call(node.url, 'GET', `/api/queues/${queueId}`)).body.status, 'paused');
        await join(node.url, queueId, { name: 'Dev' });
        await eventually(async () => assert.equal(await row.getByTestId('waiting').textContent(), '2'));
        await row.getByRole('button', { name: 'Resume' }).click();
        await row.getByText('open', { exact: true }).waitFor();
        await clean(w, 'queues');
      } finally {
        await w.context.close();
      }
    });
  });
}

describe('operator console, administration (SQLite + in-process)', { skip: skipBrowser }, () => {
  const chrome = suiteBrowser();
  const node = suiteNode(COMBOS[0]!);

  test('20,000 waiting tickets render a page at a time', async (t) => {
    const q = await createQueue(node.url, { name: 'Stadium' });
    for (let i = 0; i < 20_000; i += 1000)
      await Promise.all(
        Array.from({ length: 1000 }, (_, j) => node.rt.service.join(q.id, { name: `Fan ${i + j + 1}` }, null)),
      );
    const w = await watchedPage(chrome.browser, node.url);
    const { page } = w;
    try {
      await signIn(page, node.url, MASTER_KEY);
      await page.getByTestId('queue-row').waitFor();
      const started = Date.now();
      await page.goto(`${node.url}/dashboard#/queue/${q.id}`);
      await shows(page, 'waiting-count', '20,000');
      await eventually(async () => assert.equal(await rows(page).count(), 50));
      // Reported, not asserted: a shared machine's load would make a time limit flaky.
      t.diagnostic(`desk with 20,000 waiting shown in ${Date.now() - started} ms`);
      await page.getByText('1–50 of 20,000').waitFor();
      await page.getByRole('button', { name: 'Next page' }).click();
      await page.getByText('51–100 of 20,000').waitFor();
      assert.match(await rows(page).first().innerText(), /^51\s+\d+\s+Fan 51/);
      await page.getByRole('button', { name: 'Previous page' }).click();
      await page.getByText('1–50 of 20,000').waitFor();
      await clean(w, 'big desk');
    } finally {
      await w.context.close();
    }
  });

  test('charts draw the stored history, and the charting code loads only with them', async () => {
    const now = Date.now();
    for (let i = 10; i >= 1; i--)
      await node.rt.store.maintenance.insertSample({
        nodeId: 'n1',
        at: new Date(now - i * 60_000),
        requests: 100 + i,
        errors: 0,
        avgMs: 3,
        p95Ms: 10 + i,
        p99Ms: 20,
        cpuPercent: 20,
        memoryPercent: 40,
        eventLoopLagP99Ms: 1,
        waitingTotal: i,
        routes: {},
      });
    const w = await watchedPage(chrome.browser, node.url);
    const { page } = w;
    try {
      await signIn(page, node.url, MASTER_KEY);
      await page.getByTestId('queue-row').first().waitFor();
      assert.ok(!w.requests.some((r) => r.includes('/assets/charts')), w.requests.join('\n'));
      await page.getByRole('link', { name: 'Charts' }).click();
      // Five of the stored history, and two of one queue (Stadium, the only one) hour by hour.
      await eventually(async () => assert.equal(await page.getByTestId('chart').count(), 7));
      assert.ok(w.requests.includes('GET /assets/charts.js'));
      assert.equal(await page.getByTestId('chart').locator('canvas').count(), 6, 'four charts have minutes to draw');
      const waiting = page.getByRole('img', { name: /^Waiting, all queues/ });
      assert.match((await waiting.getAttribute('aria-label')) ?? '', /latest 1, lowest 1, highest 10/);
      await clean(w, 'charts');
    } finally {
      await w.context.close();
    }
  });

  test('keys are created (shown once) and revoked; an operator key is kept out of admin pages', async () => {
    const w = await watchedPage(chrome.browser, node.url);
    const { page } = w;
    try {
      await signIn(page, node.url, MASTER_KEY);
      await page.getByRole('link', { name: 'API keys' }).click();
      await page.getByLabel('Key name').fill('Front desk');
      await page.getByLabel('Role').selectOption('operator');
      await page.getByRole('button', { name: 'Create key' }).click();
      const secret = await text(page, 'new-key');
      assert.match(secret, /\S{20,}/);
      await page.getByText('shown only this once').waitFor();
      assert.deepEqual(await axeProblems(page), [], 'keys accessibility');

      const op = await watchedPage(chrome.browser, node.url);
      try {
        await signIn(op.page, node.url, secret);
        await op.page.getByTestId('queue-row').or(op.page.getByText('No queue yet')).first().waitFor();
        await op.page.getByText('Operator key').waitFor();
        for (const name of ['Maintenance', 'Backups', 'API keys']) {
          await op.page.getByRole('link', { name }).click();
          await op.page.getByTestId('needs-admin').getByText(`${name} needs an admin key`).waitFor();
        }
        assert.ok(!op.requests.some((r) => /\/api\/(maintenance|backups)/.test(r)), op.requests.join('\n'));

        await page.getByRole('button', { name: 'Revoke Front desk' }).click();
        await page.getByRole('button', { name: 'Yes, revoke Front desk' }).click();
        await page.getByText('Key “Front desk” revoked.').waitFor();
        assert.equal((await call(node.url, 'GET', '/api/queues', { key: secret })).status, 401);

        // The revoked key's next request sends the operator back to sign-in, with the reason.
        await op.page.getByRole('link', { name: 'Queues' }).click();
        await op.page.getByText('no longer accepted').waitFor();
        await op.page.getByLabel('API key').waitFor();
        assert.equal(await op.page.evaluate(() => sessionStorage.getItem('qk-console-key')), null);
        assert.deepEqual(
          op.problems.filter((p) => !p.includes('401')),
          [],
        );
      } finally {
        await op.context.close();
      }
      await clean(w, 'keys');
    } finally {
      await w.context.close();
    }
  });

  test('a site key is created for one waiting room and listed with its room', async () => {
    const room = await createQueue(node.url, { name: 'Launch', mode: 'waiting_room' }, MASTER_KEY);
    const w = await watchedPage(chrome.browser, node.url);
    const { page } = w;
    try {
      await signIn(page, node.url, MASTER_KEY);
      await page.getByRole('link', { name: 'API keys' }).click();
      await page.getByLabel('Key name').fill('Shop');
      await page.getByLabel('Role').selectOption('site');
      await page.getByLabel('Waiting room id (site keys)').fill(room.id);
      await page.getByRole('button', { name: 'Create key' }).click();
      await page.getByText('The site key “Shop”').waitFor();
      const row = page.getByTestId('key-row').filter({ hasText: 'Shop' });
      assert.equal(((await row.locator('td').first().textContent()) ?? '').trim(), `site (${room.id})`);
      await clean(w, 'site key');
    } finally {
      await w.context.close();
    }
  });

  test('a maintenance run appears with its steps; a backup is verified; health reads', async () => {
    const w = await watchedPage(chrome.browser, node.url);
    const { page } = w;
    try {
      await signIn(page, node.url, MASTER_KEY);
      await page.getByRole('link', { name: 'Maintenance' }).click();
      await page.getByTestId('plan-row').first().waitFor();
      assert.deepEqual(await axeProblems(page), [], 'maintenance accessibility');
      await page.getByRole('button', { name: 'Run now: backup' }).click();
      const run = page.getByTestId('run-row').filter({ hasText: 'backup' }).first();
      await run.waitFor();
      await run.getByRole('link').click();
      const step = page.getByTestId('step').first();
      await step.waitFor();
      await eventually(async () => assert.doesNotMatch(await page.locator('h1').innerText(), /running/), 30_000);
      assert.match(await step.locator('h2').innerText(), /^Backup/);
      assert.ok((await step.locator('dt').count()) > 0, 'the step shows its figures');
      assert.doesNotMatch(await step.innerText(), /[{}"]/, 'figures read as words, not JSON');
      assert.deepEqual(await axeProblems(page), [], 'run accessibility');

      await page.getByRole('link', { name: 'Backups' }).click();
      const backup = page.getByTestId('backup-row').first();
      await backup.waitFor();
      await backup.getByRole('button', { name: /^Verify/ }).click();
      await eventually(
        async () => assert.equal(await backup.getByTestId('backup-status').textContent(), 'Valid'),
        30_000,
      );
      await page.getByText('queuekeeper backup restore').waitFor();
      assert.deepEqual(await axeProblems(page), [], 'backups accessibility');

      await page.getByRole('link', { name: 'Health' }).click();
      await shows(page, 'health', 'Ready');
      await clean(w, 'admin pages');
    } finally {
      await w.context.close();
    }
  });
});

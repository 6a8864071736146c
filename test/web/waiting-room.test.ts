import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { passOf, siteGuard } from '../../src/site-guard/index.js';
import { COMBOS } from '../support/harness.js';
import { createRoom, joinRoom, req, suiteRoomNode, testClock } from '../waiting-room/support.js';
import { axeProblems, launchBrowser, skipBrowser, watchedPage } from '../support/browser.js';

/**
 * A visitor's whole way through a waiting room in a real browser: join, wait, get admitted live,
 * press Continue, and land on a real protected site that checks the pass with the site guard.
 */
describe('waiting-room ticket page continues to the site', { skip: skipBrowser }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  for (const combo of COMBOS) {
    describe(combo.name, { skip: combo.skip }, () => {
      let site: Server;
      let siteUrl: string;
      const clock = testClock('2026-03-02T09:00:00.000Z');
      const node = suiteRoomNode(combo, clock.now, { listen: true });
      before(async () => {
        site = createServer();
        await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
        siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
      });
      after(async () => {
        await new Promise((r) => site?.close(r));
      });

      test('admitted → “You’re in” → Continue → the protected site lets the visitor in', async () => {
        const room = await createRoom(node.app, {
          newPerMinute: 1,
          maxActive: 1,
          siteUrl: `${siteUrl}/shop?from=queue`,
        });
        const guard = siteGuard({ queueUrl: node.url, queueId: room, now: clock.now });
        site.removeAllListeners('request');
        site.on(
          'request',
          guard.node((rq, rs) =>
            rs
              .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
              .end(`<!doctype html><title>Shop</title><h1>Welcome ${passOf(rq)?.ticketId}</h1>`),
          ),
        );
        const ahead = await joinRoom(node.app, room);
        assert.equal(ahead.status, 'admitted');
        assert.equal(ahead.continueUrl, `${siteUrl}/shop?from=queue&qk_pass=${ahead.pass}`);

        const w = await watchedPage(browser, node.url);
        const { page } = w;
        try {
          await page.goto(`${node.url}/q/${room}`);
          await page.getByRole('button', { name: 'Join' }).click();
          await page.waitForURL(/\/t\/[A-Za-z0-9_-]+$/);
          const ticketId = new URL(page.url()).pathname.split('/')[2] as string;
          await page.getByTestId('position').filter({ hasText: /^1$/ }).waitFor();
          assert.equal(await page.getByRole('link', { name: 'Continue' }).count(), 0, 'no way in while waiting');

          // The one ahead leaves the site; the next round admits the visitor, and the page hears it live.
          assert.equal((await req(node.app, 'POST', `/api/tickets/${ahead.id}/end`, { key: true })).status, 200);
          clock.advance(60_000);
          assert.equal((await node.rt.rooms.round()).admitted, 1);
          await page.getByText('You’re in', { exact: true }).waitFor();
          assert.equal(await page.getByTestId('status').getAttribute('data-status'), 'admitted');
          assert.equal(await page.getByRole('button', { name: 'Leave' }).isVisible(), false);
          assert.deepEqual(await axeProblems(page), [], 'admitted ticket accessibility');
          assert.deepEqual(w.foreign, [], 'nothing left the queue server before Continue');

          await page.getByRole('link', { name: 'Continue' }).click();
          await page.getByRole('heading', { name: `Welcome ${ticketId}` }).waitFor();
          assert.equal(page.url(), `${siteUrl}/shop?from=queue`, 'the pass left the address bar');
          const cookies = await w.context.cookies(siteUrl);
          assert.equal(cookies.find((c) => c.name === 'qk_pass')?.httpOnly, true);
          await page.reload();
          await page.getByRole('heading', { name: `Welcome ${ticketId}` }).waitFor();
          assert.deepEqual(w.problems, []);
        } finally {
          await w.context.close();
        }
      });

      test('a room without a site: the admitted page says when the session ends and offers no call alert', async () => {
        const room = await createRoom(node.app, { newPerMinute: 60 });
        const w = await watchedPage(browser, node.url);
        const { page } = w;
        try {
          await page.goto(`${node.url}/q/${room}`);
          await page.getByRole('button', { name: 'Join' }).click();
          await page.getByText('You’re in', { exact: true }).waitFor();
          const ticketId = new URL(page.url()).pathname.split('/')[2] as string;
          const t = await node.rt.store.getTicket(ticketId);
          assert.equal(t?.status, 'admitted');
          const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
          const until = new Intl.DateTimeFormat('en', { hour: 'numeric', minute: '2-digit', timeZone: zone }).format(
            t.admittedUntil!,
          );
          assert.equal(await page.getByTestId('session-end').innerText(), `Your session lasts until ${until}`);
          assert.equal(await page.getByRole('button', { name: 'Alert me when called' }).isVisible(), false);
          assert.equal(await page.getByRole('link', { name: 'Continue' }).count(), 0, 'no site to continue to');
          assert.equal(
            await page.locator('p.sr-only[aria-live]').textContent(),
            `You’re in. Your session lasts until ${until}`,
          );
          assert.deepEqual(await axeProblems(page), [], 'admitted ticket accessibility');
          assert.deepEqual(w.problems, []);
        } finally {
          await w.context.close();
        }
      });
    });
  }
});

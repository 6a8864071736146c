import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { axeProblems, skipBrowser, suiteBrowser, watchedPage } from '../support/browser.js';
import { call, COMBOS, suiteNode } from '../support/harness.js';
import { createQueue, join } from '../http/helpers.js';

// jsqr is CommonJS whose typings name only a default export; require gives the function itself.
const jsQR = createRequire(import.meta.url)('jsqr') as typeof import('jsqr').default;
const PUBLIC_URL = 'http://queue.example.test';

/** Draws the page's QR SVG on a canvas and decodes the pixels with jsQR. */
async function decodeQr(page: Page): Promise<string | null> {
  const img = await page.evaluate(async () => {
    const svg = document.querySelector('svg.qr') as SVGSVGElement;
    const size = 400;
    const image = new Image();
    image.src = `data:image/svg+xml;base64,${btoa(new XMLSerializer().serializeToString(svg))}`;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = size;
    const c = canvas.getContext('2d') as CanvasRenderingContext2D;
    c.fillStyle = '#fff';
    c.fillRect(0, 0, size, size);
    c.drawImage(image, 0, 0, size, size);
    return { size, data: Array.from(c.getImageData(0, 0, size, size).data) };
  });
  return jsQR(Uint8ClampedArray.from(img.data), img.size, img.size)?.data ?? null;
}

/** The display board and the other pages a room uses: live calls, the QR code, languages, accessibility. */
describe('display board and languages in a browser', { skip: skipBrowser }, () => {
  const chrome = suiteBrowser();
  const node = suiteNode(COMBOS[0]!, { QK_PUBLIC_URL: PUBLIC_URL });

  test('the board shows calls as they happen, the newest first, and a QR code that decodes to the join URL', async () => {
    const q = await createQueue(node.url, { name: 'Town hall' });
    const a = await join(node.url, q.id);
    const b = await join(node.url, q.id);
    await join(node.url, q.id);
    const w = await watchedPage(chrome.browser, node.url);
    const { page } = w;
    try {
      await page.clock.install();
      await page.setViewportSize({ width: 1920, height: 1080 });
      await page.goto(`${node.url}/board/${q.id}`);
      assert.equal(await page.getByTestId('waiting-count').textContent(), '3');
      assert.equal(await page.getByTestId('now-serving').locator('li').count(), 0);
      assert.equal(await decodeQr(page), `${PUBLIC_URL}/q/${q.id}`);
      assert.deepEqual(await axeProblems(page), [], 'board accessibility');

      await call(node.url, 'POST', `/api/queues/${q.id}/call-next`, { body: { counter: 'Desk 1' } });
      await call(node.url, 'POST', `/api/queues/${q.id}/call-next`, { body: { counter: 'Desk 7' } });
      await page.clock.runFor(3500);
      const rows = page.getByTestId('now-serving').locator('li');
      await rows.nth(1).waitFor();
      assert.deepEqual(await rows.allInnerTexts(), [`${b.number}\nDesk 7`, `${a.number}\nDesk 1`]);
      assert.equal(await rows.first().getAttribute('class'), 'newest');
      assert.equal(await page.getByTestId('waiting-count').textContent(), '1');
      assert.deepEqual(w.problems, []);
      assert.deepEqual(w.foreign, []);
    } finally {
      await w.context.close();
    }
  });

  test('six calls with long desk names, the count and the QR code all fit a 1080p and a 720p screen', async () => {
    const q = await createQueue(node.url, { name: 'Passport, visa and residence permit office of the city' });
    for (let i = 0; i < 8; i++) await join(node.url, q.id);
    const desks = [
      'Counter 12 - Passports and residence permits',
      'Desk 2',
      null,
      'Window 14 (ground floor, east wing, next to the lifts)',
      'Desk 5',
      // The longest a desk name may be: 64 characters.
      'Room 101 - Driving licences, vehicle registration, parking perms',
    ];
    for (const counter of desks) {
      const r = await call(node.url, 'POST', `/api/queues/${q.id}/call-next`, {
        body: counter === null ? {} : { counter },
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    for (const lang of ['en-US', 'ar-EG'])
      for (const size of [
        { width: 1920, height: 1080 },
        { width: 1280, height: 720 },
      ]) {
        const w = await watchedPage(chrome.browser, node.url, { locale: lang });
        try {
          await w.page.setViewportSize(size);
          await w.page.goto(`${node.url}/board/${q.id}`);
          const rows = w.page.getByTestId('now-serving').locator('li');
          assert.equal(await rows.count(), 6);
          const where = `${lang} ${size.width}×${size.height}`;
          const page = await w.page.evaluate(() => [
            document.documentElement.scrollWidth,
            document.documentElement.scrollHeight,
          ]);
          assert.deepEqual(page, [size.width, size.height], `${where}: the page does not scroll`);
          const parts = [
            ...(await rows.all()),
            w.page.getByTestId('waiting-count'),
            w.page.locator('svg.qr'),
            w.page.getByRole('heading', { level: 1 }),
          ];
          for (const part of parts) {
            const box = await part.boundingBox();
            assert.ok(box, `${where}: shown`);
            assert.ok(
              box.x >= 0 && box.y >= 0 && box.x + box.width <= size.width && box.y + box.height <= size.height,
              `${where}: ${await part.evaluate((e) => e.outerHTML.slice(0, 80))} within the screen: ${JSON.stringify(box)}`,
            );
          }
          // A desk name too long for two lines ends in an ellipsis, inside its row.
          const desksFit = await rows.evaluateAll((lis) =>
            lis.every((li) => {
              const row = li.getBoundingClientRect();
              const desk = (li.querySelector('.desk') as HTMLElement).getBoundingClientRect();
              return desk.top >= row.top && desk.bottom <= row.bottom;
            }),
          );
          assert.ok(desksFit, `${where}: every desk inside its row`);
          if (lang === 'en-US') {
            assert.equal(await rows.nth(3).locator('.desk').innerText(), 'Called', 'a call without a desk');
            assert.deepEqual(await axeProblems(w.page), [], `${where}: board accessibility`);
          }
          assert.deepEqual(w.problems, []);
        } finally {
          await w.context.close();
        }
      }
  });

  test('Spanish and Arabic pages read in their language and direction, with no accessibility problem', async () => {
    const q = await createQueue(node.url, { name: 'Consulado' });
    const es = await watchedPage(chrome.browser, node.url, { locale: 'es-ES' });
    try {
      await es.page.goto(`${node.url}/q/${q.id}`);
      await es.page.getByRole('button', { name: 'Unirse' }).waitFor();
      assert.equal(await es.page.getAttribute('html', 'lang'), 'es');
    } finally {
      await es.context.close();
    }
    const ar = await watchedPage(chrome.browser, node.url, { locale: 'ar-EG' });
    try {
      await ar.page.goto(`${node.url}/q/${q.id}`);
      await ar.page.getByRole('button', { name: 'انضم' }).click();
      await ar.page.getByTestId('position').filter({ hasText: /^1$/ }).waitFor();
      assert.equal(await ar.page.getAttribute('html', 'dir'), 'rtl');
      const [status, body] = await ar.page.evaluate(() => [
        getComputedStyle(document.querySelector('[data-testid=status]') as Element).direction,
        document.body.innerText,
      ]);
      assert.equal(status, 'rtl');
      assert.match(body as string, /رقمك/);
      assert.deepEqual(await axeProblems(ar.page), [], 'Arabic ticket page accessibility');
      await ar.page.getByRole('link', { name: 'English' }).click();
      await ar.page.getByRole('button', { name: 'Leave' }).waitFor();
      assert.equal(await ar.page.getAttribute('html', 'dir'), 'ltr');
      assert.deepEqual(ar.problems, []);
    } finally {
      await ar.context.close();
    }
  });

  test('the join page says when a queue is closed or full; a paused one still takes joins, by keyboard alone', async () => {
    const w = await watchedPage(chrome.browser, node.url);
    const { page } = w;
    try {
      const closed = await createQueue(node.url);
      await call(node.url, 'PATCH', `/api/queues/${closed.id}`, { body: { status: 'closed' } });
      await page.goto(`${node.url}/q/${closed.id}`);
      await page.getByText('This queue is closed.').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Join' }).count(), 0);
      assert.equal(await page.getByTestId('wait').isVisible(), false, 'no wait quoted where nobody can join');

      const full = await createQueue(node.url, { capacity: 1 });
      await join(node.url, full.id);
      await page.goto(`${node.url}/q/${full.id}`);
      await page.getByText('This queue is full right now.').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Join' }).count(), 0);

      const paused = await createQueue(node.url);
      await call(node.url, 'PATCH', `/api/queues/${paused.id}`, { body: { status: 'paused' } });
      await page.goto(`${node.url}/q/${paused.id}`);
      await page.getByText('Calls are paused for now.').waitFor();
      // By keyboard alone: the name field, Tab to Join, Enter.
      await page.getByLabel('Your name (optional)').focus();
      await page.keyboard.type('Kim');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Join');
      await page.keyboard.press('Enter');
      await page.getByTestId('position').filter({ hasText: /^1$/ }).waitFor();
      page.once('dialog', (d) => void d.accept());
      await page.getByRole('button', { name: 'Leave' }).focus();
      await page.keyboard.press('Enter');
      await page.getByText('You left the queue.', { exact: true }).waitFor();
      assert.deepEqual(w.problems, []);
    } finally {
      await w.context.close();
    }
  });

  test('the poster and the not-found page pass the accessibility check', async () => {
    const q = await createQueue(node.url);
    const w = await watchedPage(chrome.browser, node.url);
    try {
      await w.page.goto(`${node.url}/q/${q.id}/poster`);
      assert.equal(await decodeQr(w.page), `${PUBLIC_URL}/q/${q.id}`);
      assert.deepEqual(await axeProblems(w.page), [], 'poster');
      const r = await w.page.goto(`${node.url}/board/nope`);
      assert.equal(r?.status(), 404);
      assert.deepEqual(await axeProblems(w.page), [], 'not found');
    } finally {
      await w.context.close();
    }
  });
});

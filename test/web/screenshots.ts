/**
 * Screenshots of the customer pages at phone and TV sizes into docs/screenshots/ (`npm run screenshots`).
 * A real node on a scratch SQLite folder, a few tickets, Debian's chromium.
 */
import { mkdirSync } from 'node:fs';
import { call, COMBOS, startNode } from '../support/harness.js';
import { createQueue, join } from '../http/helpers.js';
import { launchBrowser, watchedPage } from '../support/browser.js';

const OUT = 'docs/screenshots';
const PHONE = { width: 390, height: 844 };
const TV = { width: 1920, height: 1080 };

mkdirSync(OUT, { recursive: true });
const iso = COMBOS[0]!.isolate();
const node = await startNode(iso.env, { QK_PUBLIC_URL: 'http://queue.example.test' });
const browser = await launchBrowser();
try {
  const q = await createQueue(node.url, { name: 'Passport office' });
  const names = ['Ana', 'Ben', 'Chloé', 'Dev', 'Eli', 'Fatima', 'Gus'];
  const tickets = [];
  for (const name of names) tickets.push(await join(node.url, q.id, { name }));
  for (const desk of ['Desk 1', 'Desk 2', 'Desk 3'])
    await call(node.url, 'POST', `/api/queues/${q.id}/call-next`, { body: { counter: desk } });
  const shot = async (path: string, file: string, size: { width: number; height: number }, locale = 'en-US') => {
    const w = await watchedPage(browser, node.url, { locale });
    await w.page.setViewportSize(size);
    await w.page.goto(`${node.url}${path}`);
    await w.page.waitForLoadState('networkidle').catch(() => undefined);
    await w.page.screenshot({ path: `${OUT}/${file}` });
    await w.context.close();
  };
  const waitingOne = tickets[5]!;
  const calledOne = tickets[2]!;
  await shot(`/q/${q.id}`, 'join-phone.png', PHONE);
  await shot(`/t/${waitingOne.id}#${waitingOne.token}`, 'ticket-waiting-phone.png', PHONE);
  await shot(`/t/${calledOne.id}#${calledOne.token}`, 'ticket-called-phone.png', PHONE);
  await shot(`/t/${waitingOne.id}#${waitingOne.token}`, 'ticket-waiting-phone-ar.png', PHONE, 'ar');
  await shot(`/q/${q.id}`, 'join-phone-es.png', PHONE, 'es');
  await shot(`/t/${waitingOne.id}`, 'ticket-not-on-device-phone.png', PHONE);
  await shot(`/board/${q.id}`, 'board-tv.png', TV);
  await shot(`/board/${q.id}`, 'board-tv-ar.png', TV, 'ar');
  await shot(`/q/${q.id}/poster`, 'poster.png', { width: 800, height: 1100 });
  await shot('/q/nope', 'not-found-phone.png', PHONE);
} finally {
  await browser.close();
  await node.close();
  await iso.cleanup();
}

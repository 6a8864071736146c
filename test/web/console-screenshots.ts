/**
 * Screenshots of the operator console into docs/screenshots/ (`npm run screenshots`).
 * A real node on a scratch SQLite folder with a few queues, tickets, samples, a run and a backup.
 */
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { QueueService } from '../../src/domain/queue-service.js';
import { RETRY_DELAYS_MS } from '../../src/domain/webhook-attempt.js';
import { WebhookDispatcher } from '../../src/domain/webhook-dispatcher.js';
import { registerWebhook } from '../../src/domain/webhooks.js';
import { call, COMBOS, eventually, MASTER_KEY, startNode, type Node } from '../support/harness.js';
import { createQueue, join } from '../http/helpers.js';
import { startReceiver } from '../support/receiver.js';
import { launchBrowser, watchedPage } from '../support/browser.js';

/** Twelve hours of a queue's life, on a clock moved back, so its hourly charts have something to show. */
async function pastHours(node: Node, queueId: string): Promise<void> {
  let at = Date.now() - 12 * 3_600_000;
  const quiet = { joined: () => undefined, changed: () => undefined, invalidToken: () => undefined };
  const past = new QueueService(node.rt.store, node.rt.live, randomBytes(32), quiet, () => new Date(at));
  for (let hour = 0; hour < 12; hour++) {
    const busy = 4 + Math.round(5 * Math.sin(hour / 2) ** 2);
    for (let i = 0; i < busy; i++) {
      await past.join(queueId, { name: `Visitor ${hour}-${i}` }, null);
      at += 60_000;
    }
    for (let i = 0; i < busy; i++) {
      at += ((3 + ((hour * 7 + i * 3) % 6)) * 60_000) / busy;
      const t = await past.callNext(queueId, 'Desk 1');
      if (t) await past.act(t.id, 'serve');
    }
    at = Date.now() - (11 - hour) * 3_600_000;
  }
}

/** Deliveries in every state: delivered, failed after a day of retries (on a moved clock), pending. */
async function outbox(node: Node): Promise<() => Promise<void>> {
  const ok = await startReceiver();
  const down = await startReceiver('fail');
  const hook = (url: string) =>
    registerWebhook(
      node.rt.store.webhooks,
      { url, events: ['ticket.joined', 'ticket.called', 'ticket.served'], includeContact: false },
      { allowPrivate: true, now: new Date(), secrets: node.rt.secrets },
    );
  await hook(ok.url);
  await hook(down.url);
  const q = await createQueue(node.url, { name: 'Library returns' });
  for (const name of ['Ola', 'Pia']) await join(node.url, q.id, { name });
  await call(node.url, 'POST', `/api/queues/${q.id}/call-next`, { body: { counter: 'Desk 1' } });
  let now = Date.now();
  const d = new WebhookDispatcher({
    store: node.rt.store.webhooks,
    secrets: node.rt.secrets,
    owner: 'screens',
    timeoutMs: 2000,
    pollMs: 60_000,
    clock: () => new Date(now),
  });
  for (let i = 0; i <= RETRY_DELAYS_MS.length; i++) {
    await d.runOnce();
    now += RETRY_DELAYS_MS[i] ?? 0;
  }
  return async () => {
    await ok.close();
    await down.close();
  };
}

const OUT = 'docs/screenshots';
const DESK = { width: 1280, height: 860 };

mkdirSync(OUT, { recursive: true });
const iso = COMBOS[0]!.isolate();
// The node sends no webhook itself: the screenshots' own dispatcher does, on a moved clock.
const node = await startNode(iso.env, {
  QK_PUBLIC_URL: 'http://queue.example.test',
  QK_WEBHOOK_PRIVATE: 'on',
  QK_WEBHOOK_POLL_MS: '60000',
});
const browser = await launchBrowser();
try {
  const q = await createQueue(node.url, { name: 'Passport office' });
  await pastHours(node, q.id);
  await createQueue(node.url, { name: 'Town hall — permits', capacity: 200 });
  await createQueue(node.url, { name: 'Concert pre-sale', mode: 'waiting_room' });
  const names = ['Ana', 'Ben', 'Chloé', 'Dev', 'Eli', 'Fatima', 'Gus', 'Hana', 'Ivo', 'Jun', 'Kofi', 'Lena'];
  for (const name of names)
    await join(
      node.url,
      q.id,
      { name, ...(name === 'Eli' ? { priority: 'high' } : {}) },
      name === 'Eli' ? { key: MASTER_KEY } : {},
    );
  const now = Date.now();
  for (let i = 180; i >= 1; i--)
    await node.rt.store.maintenance.insertSample({
      nodeId: 'node-1',
      at: new Date(now - i * 60_000),
      requests: Math.round(400 + 300 * Math.sin(i / 20) + (i % 7) * 10),
      errors: 0,
      avgMs: 3,
      p95Ms: Math.round(8 + 4 * Math.cos(i / 15) + (i % 5)),
      p99Ms: 20,
      cpuPercent: Math.round(25 + 15 * Math.sin(i / 25)),
      memoryPercent: 41 + (i % 3),
      eventLoopLagP99Ms: 1,
      waitingTotal: Math.round(12 + 10 * Math.sin(i / 30)),
      routes: {},
    });
  const run = await call(node.url, 'POST', '/api/maintenance/runs', { body: { plan: 'daily' } });
  await call(node.url, 'GET', `/api/maintenance/runs/${run.body.id}/wait?timeoutSeconds=60`);
  const backup = await call(node.url, 'POST', '/api/backups', { body: {} });
  await eventually(async () => {
    const b = await call(node.url, 'GET', `/api/backups/${backup.body.id}`);
    if (b.body.state !== 'complete') throw new Error('not yet');
  }, 60_000);
  await call(node.url, 'POST', `/api/backups/${backup.body.id}/verify`, { body: {} });
  const op = await call(node.url, 'POST', '/api/keys', { body: { role: 'operator', name: 'Front desk' } });
  const closeReceivers = await outbox(node);

  const w = await watchedPage(browser, node.url);
  const { page } = w;
  await page.setViewportSize(DESK);
  const shot = async (file: string) => {
    await page.waitForLoadState('networkidle').catch(() => undefined);
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${OUT}/${file}` });
  };
  await page.goto(`${node.url}/dashboard`);
  await shot('console-sign-in.png');
  await page.getByLabel('API key').fill(MASTER_KEY);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('queue-row').first().waitFor();
  await shot('console-queues.png');
  const room = page.getByTestId('queue-row').filter({ hasText: 'Concert pre-sale' });
  await room.getByRole('button', { name: 'Settings' }).click();
  const settings = page.getByRole('form', { name: 'Settings of Concert pre-sale' });
  await settings.getByLabel('Admitted per minute').fill('0');
  await settings.getByRole('button', { name: 'Save settings' }).click();
  await settings
    .getByRole('alert')
    .getByText(/Not saved/)
    .waitFor();
  await shot('console-queue-settings.png');
  await room.getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('link', { name: 'Passport office' }).click();
  await page.getByLabel('Your desk or counter').fill('Desk 2');
  await page.getByRole('button', { name: 'Use this desk' }).click();
  await page.getByRole('button', { name: 'Call next' }).click();
  await page.getByTestId('called-number').waitFor();
  await page.waitForTimeout(1500);
  await shot('console-desk.png');
  await page.getByRole('link', { name: 'Maintenance' }).click();
  await page.getByTestId('run-row').first().waitFor();
  await shot('console-maintenance.png');
  await page.getByTestId('run-row').first().getByRole('link').click();
  await page.getByTestId('step').first().waitFor();
  await page.setViewportSize({ width: 1280, height: 1600 });
  await shot('console-run.png');
  await page.setViewportSize(DESK);
  await page.getByRole('link', { name: 'Backups' }).click();
  await page.getByTestId('backup-row').first().waitFor();
  await shot('console-backups.png');
  await page.getByRole('link', { name: 'Health' }).click();
  await page.getByTestId('health').waitFor();
  await shot('console-health.png');
  await page.getByRole('link', { name: 'Charts' }).click();
  await page.getByTestId('chart').first().waitFor();
  await shot('console-charts.png');
  await page.getByLabel('Queue', { exact: true }).selectOption({ label: 'Passport office' });
  await page.getByRole('img', { name: /^Estimate accuracy per hour/ }).waitFor();
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page
    .getByRole('region', { name: 'One queue, hour by hour' })
    .screenshot({ path: `${OUT}/console-queue-charts.png` });
  await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
  await page.getByTestId('delivery-row').first().waitFor();
  await page.setViewportSize({ width: 1280, height: 1100 });
  await shot('console-webhooks.png');
  await page.setViewportSize(DESK);
  await page.getByRole('link', { name: 'API keys' }).click();
  await page.getByLabel('Key name').fill('Night shift');
  await page.getByRole('button', { name: 'Create key' }).click();
  await page.getByTestId('new-key').waitFor();
  await shot('console-keys.png');
  await w.context.close();

  const o = await watchedPage(browser, node.url);
  await o.page.setViewportSize({ width: 1280, height: 500 });
  await o.page.goto(`${node.url}/dashboard`);
  await o.page.getByLabel('API key').fill(op.body.key);
  await o.page.getByRole('button', { name: 'Sign in' }).click();
  await o.page.getByRole('link', { name: 'Backups' }).click();
  await o.page.getByTestId('needs-admin').waitFor();
  await o.page.screenshot({ path: `${OUT}/console-operator-needs-admin.png` });
  await o.context.close();
  await closeReceivers();
} finally {
  await browser.close();
  await node.close();
  await iso.cleanup();
}

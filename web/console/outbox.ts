import { h } from '../common.js';
import { duration, relative } from './format.js';
import { call, problem } from './session.js';

interface Webhook {
  id: string;
  url: string;
  events: string[];
}
interface Delivery {
  id: string;
  type: string;
  ticketId: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  occurredAt: string;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  responseStatus: number | null;
  latencyMs: number | null;
  error: string | null;
}
interface Outbox {
  pending: number;
  failed: number;
  oldestPendingSeconds: number | null;
  byWebhook: { webhookId: string; pending: number; failed: number }[];
}

const REFRESH_MS = 5000;
const RECENT = 20;

/** What the last attempt came to, in words: the receiver's answer, or why there was none. */
function outcome(d: Delivery): string {
  if (d.status === 'pending' && d.attempts === 0) return 'not tried yet';
  const answer = d.responseStatus !== null ? `HTTP ${d.responseStatus}` : (d.error ?? 'no answer');
  const next = d.status === 'pending' && d.nextAttemptAt ? `; next try ${relative(d.nextAttemptAt)}` : '';
  return `${answer}${d.error && d.responseStatus !== null ? ` (${d.error})` : ''}${next}`;
}

/** The webhook outbox: depth, each webhook's recent deliveries, and Send again for a failed one. */
export function outboxView(root: HTMLElement): () => void {
  const message = h('p', { role: 'status', class: 'message' });
  const totals = h('p', { class: 'card summary' });
  const list = h('div', {});

  async function resend(w: Webhook, d: Delivery): Promise<void> {
    const r = await call<unknown>(
      'POST',
      `/api/webhooks/${encodeURIComponent(w.id)}/deliveries/${encodeURIComponent(d.id)}/resend`,
    );
    message.textContent = r.status === 204 ? `${d.type} for ticket ${d.ticketId}: sent again.` : problem(r);
    await load();
  }

  function deliveryRow(w: Webhook, d: Delivery): HTMLElement {
    return h(
      'tr',
      { 'data-testid': 'delivery-row' },
      h('th', { scope: 'row' }, d.type),
      h('td', {}, h('code', {}, d.ticketId)),
      h('td', {}, h('span', { class: `badge ${d.status}`, 'data-testid': 'delivery-status' }, d.status)),
      h('td', { class: 'num' }, d.attempts),
      h('td', { class: 'num' }, d.latencyMs === null ? '—' : duration(d.latencyMs)),
      h(
        'td',
        { title: d.lastAttemptAt ? new Date(d.lastAttemptAt).toLocaleString() : '' },
        relative(d.lastAttemptAt ?? d.occurredAt),
      ),
      h('td', {}, outcome(d)),
      h(
        'td',
        {},
        d.status === 'failed' ? h('button', { type: 'button', onclick: () => void resend(w, d) }, 'Send again') : null,
      ),
    );
  }

  async function webhookCard(w: Webhook, counts: { pending: number; failed: number }): Promise<HTMLElement> {
    const r = await call<{ items: Delivery[] }>(
      'GET',
      `/api/webhooks/${encodeURIComponent(w.id)}/deliveries?limit=${RECENT}`,
    );
    const items = r.status === 200 ? r.body.items : [];
    return h(
      'section',
      { class: 'card', 'data-testid': 'webhook', 'aria-label': `Webhook ${w.url}` },
      h('h2', {}, h('code', {}, w.url)),
      h(
        'p',
        { class: 'hint' },
        `${w.events.join(', ')} · `,
        h('strong', { 'data-testid': 'webhook-pending' }, counts.pending),
        ' pending · ',
        h('strong', { 'data-testid': 'webhook-failed' }, counts.failed),
        ' failed',
      ),
      r.status !== 200
        ? h('p', { class: 'error' }, problem(r))
        : items.length === 0
          ? h('p', {}, 'No delivery yet.')
          : h(
              'table',
              {},
              h('caption', { class: 'sr-only' }, `The last ${RECENT} deliveries to ${w.url}, newest first`),
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ...['Event', 'Ticket', 'Status', 'Attempts', 'Latency', 'Last attempt', 'Outcome', 'Action'].map(
                    (t) => h('th', { scope: 'col' }, t),
                  ),
                ),
              ),
              h('tbody', {}, ...items.map((d) => deliveryRow(w, d))),
            ),
    );
  }

  async function load(): Promise<void> {
    const [o, hooks] = await Promise.all([
      call<Outbox>('GET', '/api/outbox'),
      call<{ items: Webhook[] }>('GET', '/api/webhooks'),
    ]);
    if (o.status !== 200 || hooks.status !== 200)
      return void (message.textContent = problem(o.status !== 200 ? o : hooks));
    totals.replaceChildren(
      h('strong', { 'data-testid': 'outbox-pending' }, o.body.pending.toLocaleString()),
      ' waiting to be delivered',
      o.body.oldestPendingSeconds !== null ? ` (oldest ${duration(o.body.oldestPendingSeconds * 1000)})` : '',
      ' · ',
      h('strong', { 'data-testid': 'outbox-failed' }, o.body.failed.toLocaleString()),
      ' failed (out of retries; each can be sent again)',
    );
    const counts = new Map(o.body.byWebhook.map((b) => [b.webhookId, b]));
    const cards = await Promise.all(
      hooks.body.items.map((w) => webhookCard(w, counts.get(w.id) ?? { pending: 0, failed: 0 })),
    );
    list.replaceChildren(...cards);
    if (cards.length === 0)
      list.append(
        h('p', {}, 'No webhook is registered. Webhooks are added with POST /api/webhooks (docs/notifications.md).'),
      );
  }

  root.append(
    h('h1', {}, 'Webhooks'),
    h(
      'p',
      { class: 'hint' },
      'Every ticket event is written to the outbox with its change and delivered at least once, retried with backoff for a day.',
    ),
    totals,
    message,
    list,
  );
  void load();
  const timer = setInterval(() => void load(), REFRESH_MS);
  return () => clearInterval(timer);
}

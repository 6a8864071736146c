import { api, etaText, format, h, lastTicketKey, randomKey, readBoot, store, tokenKey, type Eta } from './common.js';

interface PublicQueue {
  id: string;
  name: string;
  mode: string;
  status: 'open' | 'paused' | 'closed';
  waitingCount: number;
  estimatedWait: Eta | null;
  etaCoverage: { samples: number; coverage: number } | null;
}
interface Joined {
  id: string;
  number: number;
  token: string;
}

const boot = readBoot<{ queue: PublicQueue; full: boolean; email: boolean }>();
const { t } = boot;
const main = document.getElementById('main') as HTMLElement;
const REFRESH_MS = 15_000;
/** One key per join attempt, kept until it succeeds: a double tap or a retry makes one ticket. */
const keyName = `qk-join-key:${boot.queue.id}`;

const waiting = h('dd', { 'data-testid': 'waiting-count' });
const wait = h('dd', { 'data-testid': 'wait' });
const waitFact = h('div', {}, h('dt', {}, t.wait), wait);
/** How often the estimate held lately, once the queue has measured enough calls to say. */
const held = h('p', { class: 'eta-held', 'data-testid': 'eta-held' });
const notice = h('p', { class: 'notice', role: 'status' });
const error = h('p', { class: 'error', role: 'alert' });
const nameInput = h('input', { id: 'name', name: 'name', autocomplete: 'name', maxlength: 80 }) as HTMLInputElement;
const emailInput = h('input', {
  id: 'email',
  name: 'email',
  type: 'email',
  autocomplete: 'email',
  maxlength: 254,
  'aria-describedby': 'email-error',
}) as HTMLInputElement;
const emailError = h('p', { id: 'email-error', class: 'error', 'aria-live': 'polite' });
const button = h('button', { type: 'submit', class: 'primary' }, t.join) as HTMLButtonElement;
const form = h(
  'form',
  { class: 'join-form', onsubmit: (e: Event) => void submit(e) },
  h('label', { for: 'name' }, t.nameLabel),
  nameInput,
  // Offered only when the server can send email (QK_SMTP_URL).
  boot.email && h('label', { for: 'email' }, t.emailLabel),
  boot.email && emailInput,
  boot.email && emailError,
  button,
);

function existingTicket(): HTMLElement | null {
  const raw = store.get(lastTicketKey(boot.queue.id));
  if (!raw) return null;
  const last = JSON.parse(raw) as { id: string; number: number };
  const token = store.get(tokenKey(last.id));
  if (!token) return null;
  return h(
    'p',
    { class: 'notice' },
    t.haveTicket.replace('{number}', String(last.number)),
    ' ',
    h('a', { href: `/t/${encodeURIComponent(last.id)}` }, t.openTicket),
  );
}

function render(q: PublicQueue, refused?: string): void {
  document.title = q.name;
  waiting.textContent = String(q.waitingCount);
  wait.textContent = etaText(t, q.estimatedWait);
  held.textContent = q.etaCoverage ? format(t.etaHeld, { n: Math.round(q.etaCoverage.coverage * 10) }) : '';
  held.hidden = q.etaCoverage === null;
  const message = refused ?? (q.status === 'closed' ? t.closed : q.status === 'paused' ? t.paused : '');
  notice.textContent = message;
  notice.hidden = message === '';
  form.hidden = refused !== undefined || q.status === 'closed';
  // The wait is a new joiner's: where nobody can join, it would promise what the queue refuses.
  waitFact.hidden = form.hidden;
  held.hidden ||= form.hidden;
}

async function submit(e: Event): Promise<void> {
  e.preventDefault();
  if (button.disabled) return;
  button.disabled = true;
  button.textContent = t.joining;
  error.textContent = '';
  let key = sessionStorage.getItem(keyName);
  if (!key) {
    key = randomKey();
    sessionStorage.setItem(keyName, key);
  }
  const name = nameInput.value.trim();
  const email = boot.email ? emailInput.value.trim() : '';
  emailError.textContent = '';
  emailInput.removeAttribute('aria-invalid');
  try {
    const r = await api<Joined>('POST', `/api/queues/${encodeURIComponent(boot.queue.id)}/tickets`, {
      headers: { 'idempotency-key': key },
      body: { ...(name ? { name } : {}), ...(email ? { email } : {}), lang: boot.lang },
    });
    if (r.status === 200 || r.status === 201) {
      sessionStorage.removeItem(keyName);
      store.set(tokenKey(r.body.id), r.body.token);
      store.set(lastTicketKey(boot.queue.id), JSON.stringify({ id: r.body.id, number: r.body.number }));
      location.assign(`/t/${encodeURIComponent(r.body.id)}#${encodeURIComponent(r.body.token)}`);
      return;
    }
    const code = r.body.error?.code;
    if (code === 'validation_failed' && email && r.body.error?.message.includes('email')) {
      emailError.textContent = t.emailInvalid;
      emailInput.setAttribute('aria-invalid', 'true');
      emailInput.focus();
    } else if (code === 'queue_full') {
      full = true;
      render(boot.queue, t.full);
    } else if (code === 'queue_closed') render({ ...boot.queue, status: 'closed' });
    else error.textContent = t.joinFailed.replace('{message}', r.body.error?.message ?? String(r.status));
    if (code !== 'rate_limited') sessionStorage.removeItem(keyName);
  } catch {
    error.textContent = t.tryAgain;
  }
  button.disabled = false;
  button.textContent = t.join;
}

async function refresh(): Promise<void> {
  try {
    const r = await api<PublicQueue>('GET', `/api/queues/${encodeURIComponent(boot.queue.id)}`);
    if (r.status !== 200) return;
    // Full until someone leaves the line: the public view carries no capacity to compare with.
    if (full && r.body.waitingCount < shownWaiting) full = false;
    shownWaiting = r.body.waitingCount;
    render(r.body, full ? t.full : undefined);
  } catch {
    /* the next refresh tries again */
  }
}

main.append(
  h(
    'div',
    { class: 'card' },
    h('h1', {}, boot.queue.name),
    h('dl', { class: 'facts' }, h('div', {}, h('dt', {}, t.people), waiting), waitFact),
    held,
    existingTicket(),
    notice,
    form,
    error,
  ),
);
let full = boot.full;
let shownWaiting = boot.queue.waitingCount;
render(boot.queue, full ? t.full : undefined);
setInterval(() => void refresh(), REFRESH_MS);

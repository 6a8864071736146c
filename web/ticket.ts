import { api, chime, etaText, format, h, readBoot, readyAudioOnGesture, store, tokenKey, type Eta } from './common.js';

interface TicketView {
  id: string;
  number: number;
  queueId: string;
  status: 'waiting' | 'called' | 'served' | 'no_show' | 'left' | 'expired' | 'admitted';
  position: number | null;
  eta: Eta | null;
  counter: string | null;
  recalledAt?: string | null;
  /** An admitted waiting-room ticket: when its session ends. */
  admittedUntil?: string | null;
  /** An admitted waiting-room ticket: the protected site's address carrying the pass. */
  continueUrl?: string | null;
}

const boot = readBoot<{ ticketId: string; queueId: string }>();
const { t } = boot;
const main = document.getElementById('main') as HTMLElement;
const POLL_MS = 5000;
const RECONNECT_MAX_MS = 30_000;
const ENDED = new Set(['served', 'no_show', 'left', 'expired']);
const path = `/api/tickets/${encodeURIComponent(boot.ticketId)}`;

/** The token arrives in the fragment (never sent to a server), moves to storage, and leaves the address bar. */
function takeToken(): string | null {
  const fromHash = decodeURIComponent(location.hash.slice(1));
  if (fromHash) {
    store.set(tokenKey(boot.ticketId), fromHash);
    history.replaceState(null, '', location.pathname + location.search);
    return fromHash;
  }
  return store.get(tokenKey(boot.ticketId));
}

const joinLink = () => h('a', { href: `/q/${encodeURIComponent(boot.queueId)}`, class: 'button' }, t.joinAgain);

function notOnDevice(): void {
  stop();
  main.replaceChildren(
    h('div', { class: 'card' }, h('h1', {}, t.notOnDevice), h('p', {}, t.notOnDeviceHelp), joinLink()),
  );
}

const number = h('p', { class: 'number', 'data-testid': 'number' }, '—');
const status = h('dd', { 'data-testid': 'status', class: 'status' });
const position = h('dd', { 'data-testid': 'position' });
const ahead = h('p', { class: 'ahead' });
const eta = h('dd', { 'data-testid': 'eta' });
// The desk alone carries the test id; the sentence around it comes from the catalogue.
const [beforeDesk = '', afterDesk = ''] = t.goToCounter.split('{counter}');
const counter = h('strong', { 'data-testid': 'counter' });
const deskLine = h('p', {});
const called = h(
  'div',
  { class: 'called', hidden: true },
  h('p', { class: 'called-heading' }, t.calledHeading),
  deskLine,
);
// A waiting room's admission: the visitor goes on to the site with the pass.
const continueLink = h('a', { class: 'button', 'data-testid': 'continue', hidden: true }, t.continueToSite);
const sessionEnd = h('p', { 'data-testid': 'session-end' });
const admitted = h(
  'div',
  { class: 'called admitted', hidden: true },
  h('p', { class: 'called-heading' }, t.admittedHeading),
  sessionEnd,
  h('p', {}, continueLink),
);
const clockTime = (iso: string): string =>
  new Intl.DateTimeFormat(document.documentElement.lang, { hour: 'numeric', minute: '2-digit' }).format(new Date(iso));
const callRegion = h('div', { role: 'alert' }, called, admitted);
const announce = h('p', { class: 'sr-only', 'aria-live': 'polite' });
const conn = h('p', { class: 'conn', role: 'status', hidden: true }, t.reconnecting);
const endedText = h('p', {});
const ended = h('div', { class: 'notice', hidden: true }, endedText, joinLink());
const notifyButton = h('button', { type: 'button', hidden: true, onclick: () => void askNotify() }, t.notify);
const leaveButton = h(
  'button',
  { type: 'button', class: 'danger', onclick: () => void leave() },
  t.leave,
) as HTMLButtonElement;

let token: string | null = null;
let last: TicketView | null = null;
let source: EventSource | null = null;
let pollTimer: ReturnType<typeof setInterval> | undefined;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let retryMs = 1000;

function render(v: TicketView): void {
  const before = last;
  last = v;
  number.textContent = String(v.number);
  status.textContent = t[`st_${v.status}`];
  status.dataset.status = v.status;
  position.textContent = v.position === null ? '—' : String(v.position);
  ahead.textContent =
    v.position === null ? '' : v.position === 1 ? t.youAreNext : format(t.ahead, { n: v.position - 1 });
  eta.textContent = etaText(t, v.eta);
  const isCalled = v.status === 'called';
  const desk = v.counter ? format(t.goToCounter, { counter: v.counter }) : t.goToDesk;
  counter.textContent = isCalled ? (v.counter ?? t.goToDesk) : '';
  if (v.counter) deskLine.replaceChildren(beforeDesk, counter, afterDesk);
  else deskLine.replaceChildren(counter);
  called.hidden = !isCalled;
  const isAdmitted = v.status === 'admitted';
  admitted.hidden = !isAdmitted;
  continueLink.hidden = !v.continueUrl;
  sessionEnd.textContent = v.admittedUntil ? format(t.sessionEnds, { time: clockTime(v.admittedUntil) }) : '';
  sessionEnd.hidden = !isAdmitted || !v.admittedUntil;
  if (v.continueUrl) continueLink.setAttribute('href', v.continueUrl);
  else continueLink.removeAttribute('href');
  document.body.classList.toggle('is-called', isCalled);
  const done = ENDED.has(v.status);
  ended.hidden = !done;
  endedText.textContent = v.status === 'left' ? t.leftText : t.endedText;
  leaveButton.hidden = done || isAdmitted;
  notifyButton.hidden =
    done || isCalled || isAdmitted || !('Notification' in window) || Notification.permission !== 'default';
  if (isCalled) document.title = `🔔 ${format(t.calledTitle, { counter: v.counter ?? t.counter })}`;
  else if (isAdmitted) document.title = `🔔 ${t.admittedHeading}`;
  else if (v.position !== null) document.title = `(${v.position}) ${t.yourNumber} ${v.number}`;
  else document.title = `${t.yourNumber} ${v.number}`;
  // The live region says what changed last; a place in line it once said must not outlive it.
  if (v.position !== null && v.position !== before?.position)
    announce.textContent = format(t.positionSaid, { n: v.position });
  else if (v.position === null && v.status !== before?.status) announce.textContent = stateSaid(v, desk);
  // A recall (the desk announcing the ticket again) alerts like the first call.
  const recalled = before?.status === 'called' && (v.recalledAt ?? null) !== (before.recalledAt ?? null);
  if (isCalled && before !== null && (before.status !== 'called' || recalled)) alertCalled(desk);
  if (isAdmitted && before !== null && before.status !== 'admitted') alertCalled(t.admittedHeading);
  if (done) stop();
}

function stateSaid(v: TicketView, desk: string): string {
  if (v.status === 'called') return `${t.calledHeading} ${desk}`;
  if (v.status === 'admitted') return [t.admittedHeading, sessionEnd.textContent].filter(Boolean).join('. ');
  if (ENDED.has(v.status))
    return `${t.status}: ${t[`st_${v.status}`]}. ${v.status === 'left' ? t.leftText : t.endedText}`;
  return `${t.status}: ${t[`st_${v.status}`]}`;
}

/** Everything a phone can do to get attention; each part is skipped where the browser does not allow it. */
function alertCalled(desk: string): void {
  // Counted on the page, so a recall's second alert can be told from the first.
  callRegion.dataset.alerts = String(Number(callRegion.dataset.alerts ?? 0) + 1);
  // A recall finds the call already shown: its pulse starts over (a reflow between restarts it).
  called.style.animation = 'none';
  void called.offsetWidth;
  called.style.animation = '';
  chime();
  navigator.vibrate?.([400, 150, 400, 150, 400]);
  if ('Notification' in window && Notification.permission === 'granted') {
    try {
      new Notification(t.calledHeading, { body: desk, tag: boot.ticketId });
    } catch {
      /* some mobile browsers allow notifications only from a service worker */
    }
  }
}

async function askNotify(): Promise<void> {
  notifyButton.hidden = true;
  await Notification.requestPermission();
}

async function poll(): Promise<void> {
  try {
    const r = await api<TicketView>('GET', path, { headers: { 'x-ticket-token': token as string } });
    if (r.status === 404) notOnDevice();
    else if (r.status === 200) render(r.body);
  } catch {
    /* offline: the next poll tries again */
  }
}

function startPolling(): void {
  conn.hidden = false;
  pollTimer ??= setInterval(() => void poll(), POLL_MS);
}

function connect(): void {
  clearTimeout(retryTimer);
  source?.close();
  const es = new EventSource(`${path}/events?token=${encodeURIComponent(token as string)}`);
  source = es;
  es.addEventListener('open', () => {
    retryMs = 1000;
    conn.hidden = true;
    clearInterval(pollTimer);
    pollTimer = undefined;
  });
  es.addEventListener('ticket', (e) => render(JSON.parse((e as MessageEvent<string>).data) as TicketView));
  es.addEventListener('error', () => {
    startPolling();
    // The browser retries a dropped stream itself; a refused one (closed) we reopen, backing off.
    if (es.readyState === EventSource.CLOSED) {
      void poll();
      retryTimer = setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, RECONNECT_MAX_MS);
    }
  });
}

function stop(): void {
  source?.close();
  source = null;
  clearInterval(pollTimer);
  pollTimer = undefined;
  clearTimeout(retryTimer);
  conn.hidden = true;
}

async function leave(): Promise<void> {
  if (!confirm(t.leaveConfirm)) return;
  leaveButton.disabled = true;
  try {
    const r = await api<TicketView>('DELETE', path, { headers: { 'x-ticket-token': token as string } });
    if (r.status === 200) render(r.body);
    else await poll();
  } finally {
    leaveButton.disabled = false;
  }
}

token = takeToken();
if (!token) notOnDevice();
else {
  main.append(
    h(
      'div',
      { class: 'card ticket' },
      h('h1', { class: 'label' }, t.yourNumber),
      number,
      callRegion,
      h(
        'dl',
        { class: 'facts' },
        h('div', {}, h('dt', {}, t.status), status),
        h('div', {}, h('dt', {}, t.position), position),
        h('div', {}, h('dt', {}, t.wait), eta),
      ),
      ahead,
      announce,
      conn,
      ended,
      h('div', { class: 'actions' }, notifyButton, leaveButton),
    ),
  );
  readyAudioOnGesture();
  void poll().then(() => {
    if (last && !ENDED.has(last.status)) connect();
  });
  // A phone that slept may have missed events: read the ticket again and reopen the stream.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'visible' || !last || ENDED.has(last.status)) return;
    void poll();
    if (!source || source.readyState === EventSource.CLOSED) connect();
  });
}

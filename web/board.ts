import { api, chime, etaText, h, readBoot, type Eta } from './common.js';

interface Board {
  id: string;
  name: string;
  status: string;
  waitingCount: number;
  estimatedWait: Eta | null;
  nowServing: { number: number; counter: string | null; calledAt: string | null; announcedAt?: string | null }[];
}

const boot = readBoot<{ board: Board }>();
const { t } = boot;
const REFRESH_MS = 3000;
/** A ticket called without a desk reads as called, not as a desk with no name. */
const deskOf = (s: Board['nowServing'][number]): string => s.counter ?? t.st_called;

const list = h('ol', { 'data-testid': 'now-serving', class: 'serving' });
const nobody = h('p', { class: 'nobody' }, t.nobodyCalled);
const waiting = h('strong', { 'data-testid': 'waiting-count' });
const wait = h('strong', {});
const announce = h('p', { class: 'sr-only', 'aria-live': 'polite' });
let chimeOn = false;
const chimeButton = h(
  'button',
  {
    type: 'button',
    class: 'chime',
    'aria-pressed': 'false',
    onclick: () => {
      chimeOn = !chimeOn;
      chimeButton.setAttribute('aria-pressed', String(chimeOn));
      if (chimeOn) chime([660]);
    },
  },
  t.chime,
);
let newest: string | null = null;

function render(b: Board): void {
  document.title = b.name;
  waiting.textContent = String(b.waitingCount);
  wait.textContent = etaText(t, b.estimatedWait);
  list.replaceChildren(
    ...b.nowServing.map((s, i) =>
      h(
        'li',
        { class: i === 0 ? 'newest' : undefined },
        h('span', { class: 'num' }, s.number),
        h('span', { class: s.counter === null ? 'desk bare' : 'desk' }, deskOf(s)),
      ),
    ),
  );
  nobody.hidden = b.nowServing.length > 0;
  const top = b.nowServing[0];
  // A recall announces the top ticket again: it chimes like a new call.
  const key = top ? `${top.number}@${top.announcedAt ?? top.calledAt ?? ''}` : null;
  if (top && newest !== null && key !== newest) {
    announce.textContent = `${top.number} → ${deskOf(top)}`;
    if (chimeOn) chime();
  }
  newest = key;
}

let polling: ReturnType<typeof setInterval> | undefined;
/** Polling stands in while the stream is down (a proxy that buffers, a server restarting). */
const startPolling = (): void => {
  polling ??= setInterval(() => void refresh(), REFRESH_MS);
};
const stopPolling = (): void => {
  clearInterval(polling);
  polling = undefined;
};

/** The board's event stream: the board again after every change. EventSource reconnects by itself. */
function follow(): void {
  if (typeof EventSource === 'undefined') return startPolling();
  const es = new EventSource(`/api/queues/${encodeURIComponent(boot.board.id)}/board/events`);
  es.addEventListener('board', (e) => {
    stopPolling();
    render(JSON.parse((e as MessageEvent<string>).data) as Board);
  });
  es.addEventListener('end', () => es.close());
  es.onerror = startPolling;
}

async function refresh(): Promise<void> {
  try {
    const r = await api<Board>('GET', `/api/queues/${encodeURIComponent(boot.board.id)}/board`);
    if (r.status === 200) render(r.body);
  } catch {
    /* the TV keeps the last board until the server answers again */
  }
}

(document.getElementById('live') as HTMLElement).append(
  h('h1', {}, boot.board.name),
  h('section', { class: 'now', 'aria-labelledby': 'now-h' }, h('h2', { id: 'now-h' }, t.nowServing), list, nobody),
  h('p', { class: 'waiting' }, t.people, ': ', waiting, ' · ', t.wait, ': ', wait),
  announce,
  chimeButton,
);
render(boot.board);
follow();

import { h } from '../common.js';
import { clock } from './format.js';
import { followQueue } from './live.js';
import { statusBadge, waitText, type Queue } from './queues.js';
import { call, problem } from './session.js';

interface Ticket {
  id: string;
  number: number;
  name: string | null;
  priority: string;
  status: string;
  position: number | null;
  counter: string | null;
  createdAt: string;
  calledAt: string | null;
  recalls?: number;
}

const PAGE_SIZE = 50;
const DESK_KEY = 'qk-console-desk';
const desk = {
  get: (): string | null => {
    try {
      return localStorage.getItem(DESK_KEY);
    } catch {
      return null;
    }
  },
  set: (v: string) => {
    try {
      localStorage.setItem(DESK_KEY, v);
    } catch {
      /* kept for this visit only */
    }
  },
};

/** One queue's desk: the called ticket, its actions, and the waiting line a page at a time. */
export function deskView(root: HTMLElement, queueId: string): () => void {
  const qid = encodeURIComponent(queueId);
  let counter = desk.get();
  let current: Ticket | null = null;
  let missed: Ticket | null = null;
  // The cursors of the pages before this one; the current page's own cursor is last.
  const cursors: (string | undefined)[] = [undefined];
  let nextCursor: string | null = null;
  let busy = false;

  const title = h('h1', {}, 'Desk');
  const summary = h('p', { class: 'summary' });
  const message = h('p', { role: 'status', class: 'message' });
  const deskLine = h('div', { class: 'desk-choice' });
  const calledBox = h('section', { class: 'called card', 'aria-labelledby': 'called-h', 'data-testid': 'called' });
  const rows = h('tbody', {});
  const pageInfo = h('span', { class: 'page-info' });
  const prev = h('button', { type: 'button', onclick: () => void turn(-1) }, 'Previous page');
  const next = h('button', { type: 'button', onclick: () => void turn(1) }, 'Next page');

  function chooseDesk(): void {
    const input = h('input', {
      id: 'desk-name',
      name: 'desk',
      required: true,
      maxlength: '64',
      value: counter ?? '',
    }) as HTMLInputElement;
    deskLine.replaceChildren(
      h(
        'form',
        {
          class: 'inline',
          onsubmit: (e: Event) => {
            e.preventDefault();
            counter = input.value.trim();
            desk.set(counter);
            showDesk();
            void refresh();
          },
        },
        h('label', { for: 'desk-name' }, 'Your desk or counter'),
        input,
        h('button', { type: 'submit' }, 'Use this desk'),
      ),
    );
  }
  function showDesk(): void {
    deskLine.replaceChildren(
      h('span', {}, 'Calling to ', h('strong', { 'data-testid': 'desk' }, counter ?? '')),
      h('button', { type: 'button', class: 'quiet', onclick: chooseDesk }, 'Change desk'),
    );
  }

  async function act(label: string, path: string, body?: unknown): Promise<Ticket | null> {
    if (busy) return null;
    busy = true;
    try {
      const r = await call<Ticket>('POST', path, body);
      if (r.status === 204) message.textContent = 'Nobody is waiting.';
      else if (r.status !== 200) message.textContent = `${label}: ${problem(r)}`;
      await refresh();
      return r.status === 200 ? r.body : null;
    } finally {
      busy = false;
    }
  }
  async function callNext(): Promise<void> {
    if (!counter) return void (message.textContent = 'Choose your desk first.');
    const t = await act('Call next', `/api/queues/${qid}/call-next`, { counter });
    if (t) message.textContent = `Called ${t.number} to ${counter}.`;
  }
  async function finish(action: 'serve' | 'no-show' | 'requeue', done: string): Promise<void> {
    // Requeue also takes back the last no-show of this desk, for a customer who turns up late.
    const t = current ?? (action === 'requeue' ? missed : null);
    if (!t) return void (message.textContent = 'No ticket is called at this desk.');
    const after = await act(done, `/api/tickets/${encodeURIComponent(t.id)}/${action}`, {});
    if (!after) return;
    message.textContent = `${t.number} ${done}.`;
    missed = action === 'no-show' ? after : null;
    drawCalled();
  }
  const serve = () => finish('serve', 'served');
  const noShow = () => finish('no-show', 'marked as a no-show');
  const requeue = () => finish('requeue', 'put back at the end of the line');
  async function recall(): Promise<void> {
    const t = current;
    if (!t) return void (message.textContent = 'No ticket is called at this desk.');
    const after = await act('Recall', `/api/tickets/${encodeURIComponent(t.id)}/recall`, {});
    if (after) message.textContent = `${t.number} called again to ${after.counter ?? counter ?? 'the desk'}.`;
  }

  function drawCalled(): void {
    const t = current;
    const disabled = t ? undefined : true;
    calledBox.replaceChildren(
      h('h2', { id: 'called-h' }, 'Now serving'),
      t
        ? h(
            'div',
            { class: 'big' },
            h('span', { class: 'num', 'data-testid': 'called-number' }, t.number),
            h('span', { class: 'who' }, t.name ?? 'no name given'),
            h(
              'span',
              { class: 'timer', 'data-testid': 'called-timer' },
              t.calledAt ? `called ${clock(t.calledAt)} ago` : '',
            ),
            t.recalls ? h('span', { class: 'timer', 'data-testid': 'recalls' }, `recalled ${t.recalls}×`) : null,
          )
        : h('p', { class: 'nobody' }, 'No ticket is called at this desk.'),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'primary', onclick: () => void callNext() }, 'Call next'),
        h('button', { type: 'button', disabled, onclick: () => void serve() }, 'Serve'),
        h('button', { type: 'button', disabled, onclick: () => void noShow() }, 'No-show'),
        h('button', { type: 'button', disabled, onclick: () => void recall() }, 'Recall'),
        h(
          'button',
          { type: 'button', disabled: t || missed ? undefined : true, onclick: () => void requeue() },
          t || !missed ? 'Requeue' : `Requeue ${missed.number}`,
        ),
      ),
    );
  }

  function ticketRow(t: Ticket): HTMLElement {
    return h(
      'tr',
      { 'data-testid': 'ticket-row' },
      h('td', { class: 'num' }, t.position),
      h('th', { scope: 'row', class: 'num' }, t.number),
      h('td', {}, t.name ?? '—'),
      h('td', {}, t.priority),
      h('td', { title: new Date(t.createdAt).toLocaleString(), 'data-since': t.createdAt }, clock(t.createdAt)),
      h(
        'td',
        {},
        h(
          'button',
          {
            type: 'button',
            class: 'quiet',
            'aria-label': `Call ${t.number} now`,
            onclick: async () => {
              if (!counter) return void (message.textContent = 'Choose your desk first.');
              const c = await act('Call', `/api/tickets/${encodeURIComponent(t.id)}/call`, { counter });
              if (c) message.textContent = `Called ${c.number} to ${counter} out of order.`;
            },
          },
          'Call',
        ),
      ),
    );
  }

  async function refresh(): Promise<void> {
    const [q, page, called] = await Promise.all([
      call<Queue>('GET', `/api/queues/${qid}`),
      call<{ items: Ticket[]; nextCursor: string | null }>(
        'GET',
        `/api/queues/${qid}/tickets?status=waiting&limit=${PAGE_SIZE}${cursors.at(-1) ? `&cursor=${encodeURIComponent(cursors.at(-1) as string)}` : ''}`,
      ),
      call<{ items: Ticket[] }>('GET', `/api/queues/${qid}/tickets?status=called&limit=200`),
    ]);
    if (q.status !== 200) return void (message.textContent = problem(q));
    title.textContent = q.body.name;
    document.title = `${q.body.name} · queuekeeper`;
    summary.replaceChildren(
      statusBadge(q.body.status),
      ' ',
      h('strong', { 'data-testid': 'waiting-count' }, q.body.waitingCount.toLocaleString()),
      ' waiting · wait for a new joiner: ',
      waitText(q.body.estimatedWait),
    );
    if (called.status === 200) {
      const mine = called.body.items.filter((t) => t.counter === counter);
      mine.sort((a, b) => Date.parse(b.calledAt ?? '') - Date.parse(a.calledAt ?? ''));
      current = mine[0] ?? null;
    }
    drawCalled();
    if (page.status === 200) {
      nextCursor = page.body.nextCursor;
      rows.replaceChildren(...page.body.items.map(ticketRow));
      if (page.body.items.length === 0) rows.append(h('tr', {}, h('td', { colspan: '6' }, 'Nobody is waiting.')));
      const first = (cursors.length - 1) * PAGE_SIZE + 1;
      pageInfo.textContent = page.body.items.length
        ? `${first.toLocaleString()}–${(first + page.body.items.length - 1).toLocaleString()} of ${q.body.waitingCount.toLocaleString()}`
        : '';
      (prev as HTMLButtonElement).disabled = cursors.length === 1;
      (next as HTMLButtonElement).disabled = nextCursor === null;
    }
  }
  async function turn(dir: 1 | -1): Promise<void> {
    if (dir === 1 && nextCursor) cursors.push(nextCursor);
    if (dir === -1 && cursors.length > 1) cursors.pop();
    await refresh();
  }

  const onKey = (e: KeyboardEvent) => {
    const target = e.target as HTMLElement;
    if (e.ctrlKey || e.metaKey || e.altKey || ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName)) return;
    const run = { n: callNext, s: serve, x: noShow, r: requeue, a: recall }[e.key.toLowerCase()];
    if (run) {
      e.preventDefault();
      void run();
    }
  };
  document.addEventListener('keydown', onKey);

  root.append(
    h('p', {}, h('a', { href: '#/queues' }, '← All queues')),
    title,
    summary,
    deskLine,
    calledBox,
    message,
    h(
      'p',
      { class: 'hint', id: 'shortcuts' },
      'Keyboard: ',
      h('kbd', {}, 'N'),
      ' call next · ',
      h('kbd', {}, 'S'),
      ' serve · ',
      h('kbd', {}, 'X'),
      ' no-show · ',
      h('kbd', {}, 'R'),
      ' requeue · ',
      h('kbd', {}, 'A'),
      ' recall (announce again)',
    ),
    h('h2', {}, 'Waiting, in calling order'),
    h(
      'table',
      { class: 'tickets' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Position', 'Number', 'Name', 'Priority', 'Waiting for', 'Out of order'].map((t) =>
            h('th', { scope: 'col' }, t),
          ),
        ),
      ),
      rows,
    ),
    h('div', { class: 'pager' }, prev, pageInfo, next),
  );
  if (counter) showDesk();
  else chooseDesk();
  drawCalled();
  const stopLive = followQueue(queueId, () => void refresh());
  const tick = setInterval(() => {
    const timer = calledBox.querySelector('[data-testid="called-timer"]');
    if (timer && current?.calledAt) timer.textContent = `called ${clock(current.calledAt)} ago`;
    for (const cell of rows.querySelectorAll<HTMLElement>('[data-since]'))
      cell.textContent = clock(cell.dataset.since as string);
  }, 1000);
  return () => {
    stopLive();
    clearInterval(tick);
    document.removeEventListener('keydown', onKey);
  };
}

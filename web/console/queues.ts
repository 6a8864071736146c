import { etaText, h, type Eta } from '../common.js';
import type { Catalogue } from '../../src/http/pages/catalogues/en.js';
import { settingsForm } from './queue-settings.js';
import { call, problem } from './session.js';

export interface Queue {
  id: string;
  name: string;
  mode: 'service' | 'waiting_room';
  status: 'open' | 'paused' | 'closed';
  waitingCount: number;
  estimatedWait: Eta | null;
  capacity: number | null;
  settings: {
    averageServiceSeconds: number;
    ticketTtlSeconds: number;
    numbering?: 'continuous' | 'daily';
    timezone?: string;
    admission?: Admission;
  };
}

/** A waiting room's admission settings, as the API shows them (docs/waiting-room.md). */
export interface Admission {
  newPerMinute: number;
  maxActive: number | null;
  sessionSeconds: number;
  method: 'fifo' | 'random' | 'passthrough' | 'reject';
  opensAt: string | null;
  idleSeconds: number;
  siteUrl?: string | null;
}

const REFRESH_MS = 2000;
const WAIT_WORDS = { waitNone: 'no wait', waitRange: '{range} min' } as Catalogue;
export const waitText = (eta: Eta | null): string => etaText(WAIT_WORDS, eta);

export const statusBadge = (s: string) => h('span', { class: `badge ${s}` }, s.replace('_', ' '));

/** Every queue with its live waiting count, and what an operator changes on it. */
export function queuesView(root: HTMLElement): () => void {
  const message = h('p', { role: 'status', class: 'message' });
  const body = h('tbody', {});
  const settingsRow = new Map<string, boolean>();

  async function patch(q: Queue, change: Record<string, unknown>): Promise<void> {
    const r = await call<Queue>('PATCH', `/api/queues/${q.id}`, change);
    message.textContent = r.status === 200 ? `${q.name}: saved.` : `${q.name}: ${problem(r)}`;
    await load();
  }

  function row(q: Queue): HTMLElement[] {
    const open = settingsRow.get(q.id) === true;
    const act = (label: string, status: Queue['status']) =>
      h('button', { type: 'button', onclick: () => void patch(q, { status }) }, label);
    const cells = h(
      'tr',
      { 'data-testid': 'queue-row', 'data-queue': q.id },
      h('th', { scope: 'row' }, h('a', { href: `#/queue/${q.id}` }, q.name)),
      h('td', {}, q.mode === 'waiting_room' ? 'waiting room' : 'service'),
      h('td', {}, statusBadge(q.status)),
      h('td', { class: 'num', 'data-testid': 'waiting' }, q.waitingCount.toLocaleString()),
      h('td', {}, waitText(q.estimatedWait)),
      h(
        'td',
        { class: 'actions' },
        h('a', { class: 'button', href: `#/queue/${q.id}` }, 'Open desk'),
        q.status === 'open'
          ? act('Pause', 'paused')
          : q.status === 'paused'
            ? act('Resume', 'open')
            : act('Reopen', 'open'),
        q.status !== 'closed' ? act('Close', 'closed') : null,
        h(
          'button',
          { type: 'button', 'aria-expanded': String(open), onclick: () => (settingsRow.set(q.id, !open), void load()) },
          'Settings',
        ),
        h('a', { href: `/q/${q.id}`, target: '_blank', rel: 'noopener' }, 'Join page'),
        h('a', { href: `/board/${q.id}`, target: '_blank', rel: 'noopener' }, 'Board'),
        h('a', { href: `/q/${q.id}/poster`, target: '_blank', rel: 'noopener' }, 'Poster'),
      ),
    );
    return open
      ? [
          cells,
          h(
            'tr',
            { class: 'sub' },
            h(
              'td',
              { colspan: '6' },
              settingsForm(q, (done) => {
                settingsRow.set(q.id, false);
                message.textContent = done;
                void load();
              }),
            ),
          ),
        ]
      : [cells];
  }

  async function load(): Promise<void> {
    const r = await call<{ items: Queue[] }>('GET', '/api/queues');
    if (r.status !== 200) return void (message.textContent = problem(r));
    body.replaceChildren(...r.body.items.flatMap(row));
    if (r.body.items.length === 0)
      body.append(h('tr', {}, h('td', { colspan: '6' }, 'No queue yet: create one above.')));
  }

  const create = h(
    'form',
    {
      class: 'inline card',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const form = e.target as HTMLFormElement;
        const f = new FormData(form);
        const cap = String(f.get('capacity') ?? '');
        const r = await call<Queue>('POST', '/api/queues', {
          name: String(f.get('name') ?? ''),
          mode: String(f.get('mode')),
          ...(cap ? { capacity: Number(cap) } : {}),
        });
        message.textContent = r.status === 201 ? `Queue “${r.body.name}” created.` : problem(r);
        if (r.status === 201) form.reset();
        await load();
      },
    },
    h('label', { for: 'new-name' }, 'Queue name'),
    h('input', { id: 'new-name', name: 'name', required: true, maxlength: '200' }),
    h('label', { for: 'new-mode' }, 'Mode'),
    h(
      'select',
      { id: 'new-mode', name: 'mode' },
      h('option', { value: 'service' }, 'service'),
      h('option', { value: 'waiting_room' }, 'waiting room'),
    ),
    h('label', { for: 'new-capacity' }, 'Capacity'),
    h('input', { id: 'new-capacity', name: 'capacity', type: 'number', min: '1', placeholder: 'no limit' }),
    h('button', { type: 'submit' }, 'Create queue'),
  );

  root.append(
    h('h1', {}, 'Queues'),
    create,
    message,
    h(
      'table',
      {},
      h('caption', { class: 'sr-only' }, 'Queues with their waiting counts, updated live'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Queue', 'Mode', 'Status', 'Waiting', 'Wait for a new joiner', 'Actions'].map((t) =>
            h('th', { scope: 'col' }, t),
          ),
        ),
      ),
      body,
    ),
  );
  void load();
  // Skipped while a settings form is open, so a refresh does not wipe what the operator is typing.
  const timer = setInterval(() => {
    if (![...settingsRow.values()].some(Boolean)) void load();
  }, REFRESH_MS);
  return () => clearInterval(timer);
}

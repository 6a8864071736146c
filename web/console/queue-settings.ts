import { h } from '../common.js';
import { call, problem } from './session.js';
import type { Queue } from './queues.js';

const METHODS = [
  ['fifo', 'first come, first admitted'],
  ['random', 'random draw at opening'],
  ['passthrough', 'admit at once'],
  ['reject', 'refuse joins'],
] as const;

const NUMBERINGS = [
  ['continuous', 'count on, day after day'],
  ['daily', 'start again at 1 each day'],
] as const;

/** `2026-12-01T09:30` in the browser's time zone, as a datetime-local input wants it. */
function localInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * A queue's settings form, with the admission of a waiting room. The server validates (the form
 * sets `novalidate`, so one set of rules decides); its 400 names the field, and the message is
 * shown beside that field. Saved: `onSaved` runs; refused: the form stays as typed.
 */
export function settingsForm(q: Queue, onSaved: (message: string) => void): HTMLElement {
  const errors = new Map<string, HTMLElement>();
  const general = h('p', { class: 'error', role: 'alert' });
  const input = (name: string, attrs: Record<string, unknown>) => {
    const id = `${name}-${q.id}`;
    const error = h('span', { class: 'error', id: `${id}-error` });
    errors.set(name, error);
    return { id, error, el: h('input', { id, name, 'aria-describedby': `${id}-error`, ...attrs }) };
  };
  const field = (label: string, name: string, attrs: Record<string, unknown>) => {
    const i = input(name, attrs);
    return h('span', { class: 'field' }, h('label', { for: i.id }, label), i.el, i.error);
  };
  const num = (label: string, name: string, v: number | null | undefined) =>
    field(label, name, { type: 'number', value: v ?? '' });
  const a = q.settings.admission;
  const select = (label: string, name: string, options: readonly (readonly [string, string])[], value: string) => {
    const id = `${name}-${q.id}`;
    const error = h('span', { class: 'error', id: `${id}-error` });
    errors.set(name, error);
    return h(
      'span',
      { class: 'field' },
      h('label', { for: id }, label),
      h(
        'select',
        { id, name, 'aria-describedby': `${id}-error` },
        ...options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
      ),
      error,
    );
  };
  const methodId = `method-${q.id}`;
  const methodError = h('span', { class: 'error', id: `${methodId}-error` });
  errors.set('method', methodError);
  const admission = a
    ? h(
        'fieldset',
        { class: 'settings admission' },
        h('legend', {}, 'Admission (waiting room)'),
        num('Admitted per minute', 'newPerMinute', a.newPerMinute),
        num('At most active at once (empty: no cap)', 'maxActive', a.maxActive),
        num('Session length (seconds)', 'sessionSeconds', a.sessionSeconds),
        h(
          'span',
          { class: 'field' },
          h('label', { for: methodId }, 'Admission order'),
          h(
            'select',
            { id: methodId, name: 'method', 'aria-describedby': `${methodId}-error` },
            ...METHODS.map(([v, text]) => h('option', { value: v, selected: v === a.method }, `${v}: ${text}`)),
          ),
          methodError,
        ),
        field('Opens at (your time; empty: open now)', 'opensAt', {
          type: 'datetime-local',
          value: localInput(a.opensAt),
        }),
        num('Idle visitor expires after (seconds)', 'idleSeconds', a.idleSeconds),
        field('Site to continue to (empty: none)', 'siteUrl', {
          type: 'url',
          value: a.siteUrl ?? '',
          placeholder: 'https://shop.example.com/',
        }),
      )
    : null;

  const form = h(
    'form',
    {
      class: 'settings-form',
      novalidate: true,
      'aria-label': `Settings of ${q.name}`,
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const f = new FormData(form as HTMLFormElement);
        const text = (k: string) => String(f.get(k) ?? '').trim();
        // Empty keeps the current value, except where empty has a meaning of its own (no limit, no cap).
        const number = (k: string) => (text(k) === '' ? undefined : Number(text(k)));
        const settings: Record<string, unknown> = {
          averageServiceSeconds: number('avg'),
          ticketTtlSeconds: number('ttl'),
          numbering: text('numbering'),
          ...(text('timezone') === '' ? {} : { timezone: text('timezone') }),
        };
        if (a) {
          const opens = text('opensAt');
          settings.admission = {
            newPerMinute: number('newPerMinute'),
            maxActive: number('maxActive') ?? null,
            sessionSeconds: number('sessionSeconds'),
            method: text('method'),
            opensAt: opens === '' ? null : new Date(opens).toISOString(),
            idleSeconds: number('idleSeconds'),
            siteUrl: text('siteUrl') === '' ? null : text('siteUrl'),
          };
        }
        for (const el of errors.values()) el.textContent = '';
        for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
        general.textContent = '';
        const r = await call<Queue>('PATCH', `/api/queues/${q.id}`, { capacity: number('capacity') ?? null, settings });
        if (r.status === 200) return onSaved(`${q.name}: saved.`);
        showError(problem(r));
      },
    },
    h(
      'div',
      { class: 'settings' },
      num('Capacity (empty: no limit)', 'capacity', q.capacity),
      num('Service time seed (seconds)', 'avg', q.settings.averageServiceSeconds),
      num('Ticket expiry (seconds, 0: never)', 'ttl', q.settings.ticketTtlSeconds),
      select('Ticket numbers', 'numbering', NUMBERINGS, q.settings.numbering ?? 'continuous'),
      field('Time zone of the day (empty: the server’s)', 'timezone', {
        type: 'text',
        value: q.settings.timezone ?? '',
        placeholder: 'Europe/Madrid',
      }),
    ),
    admission,
    general,
    h('button', { type: 'submit' }, 'Save settings'),
  );

  /** `body.settings.admission.maxActive: Too small…` → the message beside Maximum active. */
  function showError(message: string): void {
    const path = /^body\.([\w.]+): (.*)$/s.exec(message);
    const key = path?.[1]?.split('.').at(-1);
    const name = key === 'averageServiceSeconds' ? 'avg' : key === 'ticketTtlSeconds' ? 'ttl' : key;
    const target = name ? errors.get(name) : undefined;
    if (!target || !path) return void (general.textContent = message);
    target.textContent = path[2] ?? message;
    const control = form.querySelector<HTMLElement>(`[name="${name}"]`);
    control?.setAttribute('aria-invalid', 'true');
    control?.focus();
    general.textContent = `Not saved: ${fieldLabel(control)} ${path[2] ?? ''}`.trim();
  }
  const fieldLabel = (control: HTMLElement | null | undefined) =>
    control?.id ? (form.querySelector(`label[for="${control.id}"]`)?.textContent ?? '') + ':' : '';
  return form;
}

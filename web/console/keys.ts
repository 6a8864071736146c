import { h } from '../common.js';
import { local, relative } from './format.js';
import { call, problem } from './session.js';

interface Key {
  id: string;
  role: string;
  name: string;
  queueId: string | null;
  createdAt: string;
  lastUsedAt: string | null;
}

/** API keys: create (the secret shown once, with a copy button), list, revoke after a confirmation. */
export function keysView(root: HTMLElement): void {
  const message = h('p', { role: 'status', class: 'message' });
  const shown = h('div', {});
  const body = h('tbody', {});
  const confirming = new Set<string>();

  async function load(): Promise<void> {
    const r = await call<{ items: Key[] }>('GET', '/api/keys');
    if (r.status !== 200) return void (message.textContent = problem(r));
    body.replaceChildren(
      ...r.body.items.map((k) => {
        const revoke = async () => {
          const x = await call('DELETE', `/api/keys/${encodeURIComponent(k.id)}`);
          confirming.delete(k.id);
          message.textContent = x.status === 204 ? `Key “${k.name}” revoked.` : problem(x);
          await load();
        };
        const actions = confirming.has(k.id)
          ? [
              h('button', { type: 'button', class: 'danger', onclick: () => void revoke() }, `Yes, revoke ${k.name}`),
              h('button', { type: 'button', onclick: () => (confirming.delete(k.id), void load()) }, 'Keep it'),
            ]
          : [
              h(
                'button',
                {
                  type: 'button',
                  'aria-label': `Revoke ${k.name}`,
                  onclick: () => (confirming.add(k.id), void load()),
                },
                'Revoke',
              ),
            ];
        return h(
          'tr',
          { 'data-testid': 'key-row' },
          h('th', { scope: 'row' }, k.name),
          h('td', {}, k.queueId ? `${k.role} (${k.queueId})` : k.role),
          h('td', {}, h('time', { datetime: k.createdAt, title: local(k.createdAt) }, relative(k.createdAt))),
          h('td', {}, k.lastUsedAt ? relative(k.lastUsedAt) : 'never'),
          h('td', { class: 'actions' }, ...actions),
        );
      }),
    );
  }

  const form = h(
    'form',
    {
      class: 'inline card',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const el = e.target as HTMLFormElement;
        const f = new FormData(el);
        const role = String(f.get('role'));
        const r = await call<Key & { key: string }>('POST', '/api/keys', {
          name: String(f.get('name')),
          role,
          ...(role === 'site' ? { queueId: String(f.get('queueId')).trim() } : {}),
        });
        if (r.status !== 201) return void (message.textContent = problem(r));
        el.reset();
        const secret = h('code', { 'data-testid': 'new-key' }, r.body.key);
        shown.replaceChildren(
          h(
            'div',
            { class: 'card notice' },
            h('p', {}, `The ${r.body.role} key “${r.body.name}”. Copy it now: it is shown only this once.`),
            h('p', {}, secret),
            h(
              'button',
              {
                type: 'button',
                onclick: async () => {
                  try {
                    await navigator.clipboard.writeText(r.body.key);
                    message.textContent = 'Copied.';
                  } catch {
                    getSelection()?.selectAllChildren(secret);
                    message.textContent = 'Selected: press Ctrl+C (⌘C) to copy.';
                  }
                },
              },
              'Copy key',
            ),
            h('button', { type: 'button', class: 'quiet', onclick: () => shown.replaceChildren() }, 'Done'),
          ),
        );
        await load();
      },
    },
    h('label', { for: 'key-name' }, 'Key name'),
    h('input', { id: 'key-name', name: 'name', required: true, maxlength: '100' }),
    h('label', { for: 'key-role' }, 'Role'),
    h(
      'select',
      { id: 'key-role', name: 'role' },
      h('option', { value: 'operator' }, 'operator'),
      h('option', { value: 'admin' }, 'admin'),
      h('option', { value: 'site' }, 'site (one waiting room)'),
    ),
    h('label', { for: 'key-queue' }, 'Waiting room id (site keys)'),
    h('input', { id: 'key-queue', name: 'queueId', maxlength: '64' }),
    h('button', { type: 'submit' }, 'Create key'),
  );

  root.append(
    h('h1', {}, 'API keys'),
    form,
    shown,
    message,
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h('tr', {}, ...['Name', 'Role', 'Created', 'Last used', ''].map((t) => h('th', { scope: 'col' }, t))),
      ),
      body,
    ),
  );
  void load();
}

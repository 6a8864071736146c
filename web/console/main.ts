import './console.css';
import { api, h } from '../common.js';
import { session, type Role } from './session.js';

/** A page of the console: draws into `root`, returns what stops its timers and streams. */
export type View = (root: HTMLElement, arg: string) => (() => void) | void;

const ROUTES: Record<string, { label: string; admin: boolean; load: () => Promise<View> }> = {
  queues: { label: 'Queues', admin: false, load: async () => (await import('./queues.js')).queuesView },
  queue: { label: 'Desk', admin: false, load: async () => (await import('./desk.js')).deskView },
  maintenance: {
    label: 'Maintenance',
    admin: true,
    load: async () => (await import('./maintenance.js')).maintenanceView,
  },
  run: { label: 'Run', admin: true, load: async () => (await import('./maintenance.js')).runView },
  backups: { label: 'Backups', admin: true, load: async () => (await import('./backups.js')).backupsView },
  health: { label: 'Health', admin: false, load: async () => (await import('./health.js')).healthView },
  charts: { label: 'Charts', admin: false, load: async () => (await import('./charts.js')).chartsView },
  keys: { label: 'API keys', admin: true, load: async () => (await import('./keys.js')).keysView },
  webhooks: { label: 'Webhooks', admin: true, load: async () => (await import('./outbox.js')).outboxView },
};
const NAV = ['queues', 'maintenance', 'backups', 'health', 'charts', 'webhooks', 'keys'];

const app = document.getElementById('app') as HTMLElement;
const main = h('main', { id: 'main', tabindex: '-1' });
let stop: (() => void) | void;

function signIn(): void {
  const notice = session.takeNotice();
  const input = h('input', {
    id: 'key',
    name: 'key',
    type: 'password',
    autocomplete: 'off',
    required: true,
  }) as HTMLInputElement;
  const error = h('p', { class: 'error', role: 'alert' }, notice ?? '');
  const form = h(
    'form',
    {
      class: 'card signin',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const key = input.value.trim();
        const auth = { authorization: `Bearer ${key}` };
        error.textContent = '';
        const r = await api<{ role: Role }>('GET', '/api/whoami', { headers: auth });
        if (r.status === 401) return void (error.textContent = 'That API key is not accepted.');
        if (r.status !== 200) return void (error.textContent = r.body.error?.message ?? 'The server could not answer.');
        session.start(key, r.body.role);
        location.hash = '#/queues';
        shell();
      },
    },
    h('h1', {}, 'queuekeeper console'),
    h('label', { for: 'key' }, 'API key'),
    input,
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
    error,
    h('p', { class: 'hint' }, 'The key is kept for this browser tab only and forgotten when you sign out or close it.'),
  );
  app.replaceChildren(h('main', { id: 'main' }, form));
  input.focus();
}

function shell(): void {
  const links = NAV.map((n) => h('a', { href: `#/${n}`, 'data-nav': n }, ROUTES[n]?.label));
  const header = h(
    'header',
    { class: 'bar' },
    h('span', { class: 'brand' }, 'queuekeeper'),
    h('nav', { 'aria-label': 'Console' }, ...links),
    h('span', { class: 'who' }, session.role() === 'admin' ? 'Admin key' : 'Operator key'),
    h('button', { type: 'button', class: 'quiet', onclick: () => session.end() }, 'Sign out'),
  );
  app.replaceChildren(header, main);
  window.onhashchange = () => void route();
  void route();
}

async function route(): Promise<void> {
  const [name = 'queues', arg = ''] = location.hash.replace(/^#\/?/, '').split('/');
  const r = ROUTES[name] ?? (ROUTES.queues as (typeof ROUTES)[string]);
  for (const a of document.querySelectorAll('[data-nav]'))
    a.toggleAttribute(
      'aria-current',
      a.getAttribute('data-nav') === (name === 'run' ? 'maintenance' : name === 'queue' ? 'queues' : name),
    );
  if (stop) stop();
  stop = undefined;
  document.title = `${r.label} · queuekeeper`;
  if (r.admin && session.role() !== 'admin') {
    main.replaceChildren(
      h('h1', {}, r.label),
      h(
        'p',
        { class: 'card notice', 'data-testid': 'needs-admin' },
        `${r.label} needs an admin key. You are signed in with an operator key: sign out and sign in with an admin key to see this page.`,
      ),
    );
    return;
  }
  const view = await r.load();
  main.replaceChildren();
  stop = view(main, decodeURIComponent(arg));
}

if (session.key()) shell();
else signIn();

import { h } from '../common.js';
import { bytes, duration, local, relative } from './format.js';
import { call, problem } from './session.js';

interface Verification {
  status: string;
  reason: string | null;
  checkedAt: string;
}
interface Backup {
  id: string;
  createdAt: string | null;
  sizeBytes: number;
  database: string | null;
  encrypted: boolean | null;
  manifestProblem: string | null;
  stale: boolean | null;
  lastVerification: Verification | null;
}

const REFRESH_MS = 3000;

/** What a person needs from a backup's state: one word and, when it is not valid, why. */
function verdict(b: Backup): HTMLElement {
  if (b.manifestProblem)
    return h('span', {}, h('span', { class: 'badge Invalid' }, 'Invalid'), ` ${b.manifestProblem}`);
  const v = b.lastVerification;
  if (!v) return h('span', { class: 'badge' }, b.stale ? 'Stale, not verified' : 'Not verified');
  const status = b.stale && v.status === 'Valid' ? 'Stale' : v.status;
  return h(
    'span',
    {},
    h('span', { class: `badge ${status}`, 'data-testid': 'backup-status' }, status),
    ` checked ${relative(v.checkedAt)}`,
    v.reason ? `: ${v.reason}` : '',
  );
}

/** The backups with their verification, Create and Verify; restoring stays on the command line. */
export function backupsView(root: HTMLElement): () => void {
  const message = h('p', { role: 'status', class: 'message' });
  const body = h('tbody', {});
  const verifying = new Set<string>();

  async function verify(b: Backup): Promise<void> {
    verifying.add(b.id);
    message.textContent = `Verifying ${b.id}: restoring it into a scratch database…`;
    await load();
    const r = await call<Verification & { durationMs: number }>(
      'POST',
      `/api/backups/${encodeURIComponent(b.id)}/verify`,
      {},
    );
    verifying.delete(b.id);
    message.textContent =
      r.status === 200
        ? `${b.id}: ${r.body.status}${r.body.reason ? ` (${r.body.reason})` : ''}, in ${duration(r.body.durationMs)}.`
        : problem(r);
    await load();
  }

  async function load(): Promise<void> {
    const r = await call<{ items: Backup[] }>('GET', '/api/backups');
    if (r.status !== 200) return void (message.textContent = problem(r));
    body.replaceChildren(
      ...r.body.items.map((b) =>
        h(
          'tr',
          { 'data-testid': 'backup-row' },
          h('th', { scope: 'row' }, h('code', {}, b.id)),
          h('td', {}, h('time', { datetime: b.createdAt ?? '', title: local(b.createdAt) }, relative(b.createdAt))),
          h('td', { class: 'num' }, bytes(b.sizeBytes)),
          h('td', {}, b.database ?? '—', b.encrypted ? ', encrypted' : ''),
          h('td', {}, verdict(b)),
          h(
            'td',
            {},
            h(
              'button',
              {
                type: 'button',
                disabled: verifying.has(b.id),
                'aria-label': `${verifying.has(b.id) ? 'Verifying…' : 'Verify'} ${b.id}`,
                onclick: () => void verify(b),
              },
              verifying.has(b.id) ? 'Verifying…' : 'Verify',
            ),
          ),
        ),
      ),
    );
    if (r.body.items.length === 0) body.append(h('tr', {}, h('td', { colspan: '6' }, 'No backup yet.')));
  }

  root.append(
    h('h1', {}, 'Backups'),
    h(
      'p',
      {},
      h(
        'button',
        {
          type: 'button',
          onclick: async () => {
            const r = await call<{ id: string }>('POST', '/api/backups', {});
            message.textContent = r.status === 202 ? `Backup ${r.body.id} started.` : problem(r);
            await load();
          },
        },
        'Create backup',
      ),
    ),
    message,
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Backup', 'Created', 'Size', 'Database', 'Verification', ''].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      body,
    ),
    h(
      'p',
      { class: 'hint' },
      'Restoring is done on the command line, with a confirmation and never into a database a server is using: ',
      h('code', {}, 'queuekeeper backup restore <id> --to <DATABASE_URL or data dir>'),
      '.',
    ),
  );
  void load();
  const timer = setInterval(() => {
    if (verifying.size === 0) void load();
  }, REFRESH_MS);
  return () => clearInterval(timer);
}

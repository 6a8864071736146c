import { api, h } from '../common.js';
import { value, words } from './format.js';

interface Readiness {
  status: string;
  failed: string[];
  checks: Record<string, { status: string; latencyMs?: number; error?: string }>;
}

const REFRESH_MS = 5000;

/** Whether the database and Redis answer, as the readiness probe sees them, refreshed. */
export function healthView(root: HTMLElement): () => void {
  const body = h('tbody', {});
  const overall = h('p', { class: 'summary', role: 'status' });
  const load = async () => {
    try {
      const r = await api<Readiness>('GET', '/health/ready');
      overall.replaceChildren(
        h(
          'span',
          { class: `badge ${r.body.status}`, 'data-testid': 'health' },
          r.body.status === 'ok' ? 'Ready' : 'Not ready',
        ),
        r.body.failed.length ? ` Not answering: ${r.body.failed.join(', ')}.` : ' Every dependency answers.',
      );
      body.replaceChildren(
        ...Object.entries(r.body.checks).map(([name, c]) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, words(name)),
            h('td', {}, h('span', { class: `badge ${c.status}` }, words(c.status))),
            h('td', { class: 'num' }, c.latencyMs !== undefined ? `${value(c.latencyMs)} ms` : '—'),
            h('td', {}, c.error ?? ''),
          ),
        ),
      );
    } catch {
      overall.textContent = 'The server does not answer.';
    }
  };
  root.append(
    h('h1', {}, 'Health'),
    overall,
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h('tr', {}, ...['Dependency', 'State', 'Latency', 'Error'].map((t) => h('th', { scope: 'col' }, t))),
      ),
      body,
    ),
    h(
      'p',
      { class: 'hint' },
      'CPU, memory and disk are measured by the daily plan’s performance step: see its latest run under Maintenance.',
    ),
  );
  void load();
  const timer = setInterval(() => void load(), REFRESH_MS);
  return () => clearInterval(timer);
}

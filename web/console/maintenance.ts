import { h } from '../common.js';
import { duration, local, relative, value, words } from './format.js';
import { call, problem } from './session.js';

interface Plan {
  name: string;
  cron: string | null;
  timezone: string;
  enabled: boolean;
  priority: string;
  steps: string[];
  lastRun: string | null;
  nextRun: string | null;
}
interface Step {
  name: string;
  status: string;
  durationMs: number;
  figures: Record<string, unknown>;
  findings: { severity: string; message: string }[];
  error: string | null;
}
interface Run {
  id: string;
  plan: string;
  trigger: string;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  status: string;
  success: boolean;
  measuredNothing: boolean;
  steps: Step[];
}

const REFRESH_MS = 3000;
const badge = (s: string) => h('span', { class: `badge ${s}` }, s);
/** A run that succeeded with every step skipped is told apart at a glance: it proved nothing. */
const runBadges = (run: Run) =>
  run.measuredNothing && run.status === 'succeeded'
    ? [
        badge(run.status),
        ' ',
        h('span', { class: 'badge nothing', 'data-testid': 'measured-nothing' }, 'measured nothing'),
      ]
    : [badge(run.status)];
const th = (...names: string[]) => h('thead', {}, h('tr', {}, ...names.map((n) => h('th', { scope: 'col' }, n))));
const when = (iso: string | null) => h('time', { datetime: iso ?? '', title: local(iso) }, relative(iso));

/** The plans with their last and next runs, Run now, and the run history. */
export function maintenanceView(root: HTMLElement): () => void {
  const message = h('p', { role: 'status', class: 'message' });
  const plans = h('tbody', {});
  const runs = h('tbody', {});

  async function load(): Promise<void> {
    const [s, r] = await Promise.all([
      call<{ items: Plan[] }>('GET', '/api/maintenance/schedule'),
      call<{ items: Run[] }>('GET', '/api/maintenance/runs?limit=25'),
    ]);
    if (s.status !== 200 || r.status !== 200) return void (message.textContent = problem(s.status !== 200 ? s : r));
    plans.replaceChildren(
      ...s.body.items.map((p) =>
        h(
          'tr',
          { 'data-testid': 'plan-row' },
          h('th', { scope: 'row' }, p.name),
          h('td', {}, p.cron ? h('code', {}, p.cron) : 'on demand', p.cron ? ` (${p.timezone})` : ''),
          h('td', {}, p.steps.map(words).join(', ')),
          h('td', {}, when(p.lastRun)),
          h('td', {}, p.enabled ? when(p.nextRun) : 'disabled'),
          h(
            'td',
            {},
            h(
              'button',
              {
                type: 'button',
                'aria-label': `Run now: ${p.name}`,
                onclick: async () => {
                  const x = await call<{ id: string }>('POST', '/api/maintenance/runs', { plan: p.name });
                  message.textContent = x.status === 202 ? `The ${p.name} plan started.` : problem(x);
                  await load();
                },
              },
              'Run now',
            ),
          ),
        ),
      ),
    );
    runs.replaceChildren(
      ...r.body.items.map((run) =>
        h(
          'tr',
          { 'data-testid': 'run-row' },
          h('th', { scope: 'row' }, h('a', { href: `#/run/${run.id}` }, run.plan)),
          h('td', {}, words(run.trigger)),
          h('td', {}, when(run.startedAt)),
          h('td', {}, duration(run.durationMs)),
          h('td', {}, ...runBadges(run)),
          h('td', {}, `${run.steps.filter((x) => x.status === 'failed').length} failed of ${run.steps.length}`),
        ),
      ),
    );
    if (r.body.items.length === 0) runs.append(h('tr', {}, h('td', { colspan: '6' }, 'No run yet.')));
  }

  root.append(
    h('h1', {}, 'Maintenance'),
    message,
    h('h2', {}, 'Plans'),
    h('table', {}, th('Plan', 'Schedule', 'Steps', 'Last run', 'Next run', ''), plans),
    h('h2', {}, 'Run history'),
    h('table', {}, th('Plan', 'Trigger', 'Started', 'Duration', 'Status', 'Steps'), runs),
  );
  void load();
  const timer = setInterval(() => void load(), REFRESH_MS);
  return () => clearInterval(timer);
}

function stepCard(s: Step): HTMLElement {
  const figures = Object.entries(s.figures);
  return h(
    'section',
    { class: `card step ${s.status}`, 'data-testid': 'step' },
    h('h2', {}, words(s.name), ' ', badge(s.status), h('span', { class: 'dur' }, duration(s.durationMs))),
    s.error ? h('p', { class: 'error' }, s.error) : null,
    figures.length
      ? h('dl', { class: 'figures' }, ...figures.flatMap(([k, v]) => [h('dt', {}, words(k)), h('dd', {}, value(v))]))
      : h('p', { class: 'hint' }, 'No figures.'),
    s.findings.length
      ? h(
          'ul',
          { class: 'findings' },
          ...s.findings.map((f) => h('li', { class: f.severity }, h('strong', {}, `${f.severity}: `), f.message)),
        )
      : null,
  );
}

/** One run's steps with their figures and findings, refreshed until the run ends. */
export function runView(root: HTMLElement, id: string): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const load = async () => {
    const r = await call<Run>('GET', `/api/maintenance/runs/${encodeURIComponent(id)}`);
    if (r.status !== 200) return void root.replaceChildren(h('h1', {}, 'Run'), h('p', { class: 'error' }, problem(r)));
    const run = r.body;
    root.replaceChildren(
      h('p', {}, h('a', { href: '#/maintenance' }, '← Maintenance')),
      h('h1', {}, `${words(run.plan)} run `, ...runBadges(run)),
      h(
        'p',
        { class: 'summary' },
        `${words(run.trigger)}, started ${local(run.startedAt)}`,
        run.endedAt ? `, took ${duration(run.durationMs)}` : ', still running',
        '.',
      ),
      ...run.steps.map(stepCard),
    );
    if (run.status === 'running') timer = setTimeout(() => void load(), 1000);
  };
  void load();
  return () => clearTimeout(timer);
}

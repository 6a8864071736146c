import type uPlot from 'uplot';
import { h } from '../common.js';
import { chart, COLOURS } from './plot.js';
import { call, KEY_REJECTED, problem, session } from './session.js';

const HOUR_MS = 3_600_000;
const SPANS = [
  ['24', 'Last 24 hours'],
  ['168', 'Last 7 days'],
] as const;

/** The hourly report (`stats.csv`) by column name, so a column added later changes nothing here. */
function parseHours(csv: string): Map<string, (number | null)[]> & { x: number[] } {
  const [head = '', ...lines] = csv.trim().split('\n');
  const names = head.split(',');
  const columns = new Map(names.map((n) => [n, [] as (number | null)[]])) as Map<string, (number | null)[]> & {
    x: number[];
  };
  columns.x = [];
  for (const line of lines) {
    const cells = line.split(',');
    columns.x.push(Date.parse(cells[0] ?? '') / 1000);
    names.forEach((n, i) => {
      if (i > 0) columns.get(n)?.push(cells[i] === '' || cells[i] === undefined ? null : Number(cells[i]));
    });
  }
  return columns;
}

/**
 * One queue's hours, from its report: joins and calls per hour, and how often the wait quoted at
 * join held (the share of the hour's calls whose wait fell inside the quoted range).
 */
export function queueCharts(): { el: HTMLElement; stop: () => void } {
  const message = h('p', { role: 'status', class: 'message' });
  const grid = h('div', { class: 'charts' });
  const queue = h('select', { id: 'chart-queue', name: 'queue' }) as HTMLSelectElement;
  const span = h(
    'select',
    { id: 'chart-span', name: 'span' },
    ...SPANS.map(([v, label]) => h('option', { value: v }, label)),
  ) as HTMLSelectElement;
  let plots: uPlot[] = [];
  const clear = () => {
    for (const p of plots) p.destroy();
    plots = [];
  };

  async function draw(): Promise<void> {
    if (!queue.value) return;
    const to = Math.ceil(Date.now() / HOUR_MS) * HOUR_MS;
    const from = to - Number(span.value) * HOUR_MS;
    const range = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;
    const r = await fetchCsv(`/api/queues/${encodeURIComponent(queue.value)}/stats.csv?${range}`);
    if (typeof r !== 'string') return void (message.textContent = r.problem);
    message.textContent = '';
    const c = parseHours(r);
    const col = (n: string) => c.get(n) ?? c.x.map(() => null);
    const coverage = col('etaCoverage').map((v) => (v === null ? null : Math.round(v * 1000) / 10));
    const all = [
      chart(
        'Joins and calls per hour',
        'tickets',
        c.x,
        [
          { label: 'Joined', values: col('joined'), colour: COLOURS[0] as string },
          { label: 'Called', values: col('called'), colour: COLOURS[2] as string },
        ],
        'No hours to show yet.',
      ),
      chart(
        'Estimate accuracy per hour: calls inside the quoted wait',
        '%',
        c.x,
        [{ label: 'Coverage', values: coverage, colour: COLOURS[1] as string }],
        'No hours to show yet.',
        [0, 100],
      ),
    ];
    clear();
    grid.replaceChildren(...all.map((x) => x.el));
    plots = all.flatMap((x) => x.draw() ?? []);
  }

  /** The report is CSV, not JSON: read with the session's key, outside the JSON helper. */
  async function fetchCsv(path: string): Promise<string | { problem: string }> {
    const res = await fetch(path, { headers: { authorization: `Bearer ${session.key() ?? ''}` }, cache: 'no-store' });
    if (res.status === 401) session.end(KEY_REJECTED);
    if (res.ok) return res.text();
    const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
    return { problem: body.error?.message ?? `The report could not be read (error ${res.status}).` };
  }

  void (async () => {
    const r = await call<{ items: { id: string; name: string }[] }>('GET', '/api/queues');
    if (r.status !== 200) return void (message.textContent = problem(r));
    queue.replaceChildren(...r.body.items.map((q) => h('option', { value: q.id }, q.name)));
    if (r.body.items.length === 0) message.textContent = 'No queue yet: these charts show one queue at a time.';
    await draw();
  })();
  queue.onchange = span.onchange = () => void draw();

  const el = h(
    'section',
    { 'aria-labelledby': 'queue-charts-h' },
    h('h2', { id: 'queue-charts-h' }, 'One queue, hour by hour'),
    h(
      'div',
      { class: 'inline' },
      h('label', { for: 'chart-queue' }, 'Queue'),
      queue,
      h('label', { for: 'chart-span' }, 'Period'),
      span,
    ),
    message,
    grid,
  );
  return { el, stop: clear };
}

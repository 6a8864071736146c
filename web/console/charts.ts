import type uPlot from 'uplot';
import { h } from '../common.js';
import { chart, COLOURS, zone } from './plot.js';
import { queueCharts } from './queue-charts.js';
import { call, problem } from './session.js';

const REFRESH_MS = 60_000;

interface History {
  minutes: {
    at: number[];
    waiting: (number | null)[];
    requests: (number | null)[];
    p95Ms: (number | null)[];
    cpuPercent: (number | null)[];
    memoryPercent: (number | null)[];
  };
  days: { day: string[]; joined: (number | null)[]; served: (number | null)[]; avgWaitSeconds: (number | null)[] };
}

/** Charts of the stored history: queue length, traffic, response time, resources, daily joins and services. */
export function chartsView(root: HTMLElement): () => void {
  const message = h('p', { role: 'status', class: 'message' });
  const grid = h('div', { class: 'charts' });
  let plots: uPlot[] = [];
  const perQueue = queueCharts();
  const load = async () => {
    const r = await call<History>('GET', '/api/console/history?hours=24&days=30');
    if (r.status !== 200) return void (message.textContent = problem(r));
    for (const p of plots) p.destroy();
    const m = r.body.minutes;
    const d = r.body.days;
    const dayX = d.day.map((s) => Date.parse(`${s}T12:00:00Z`) / 1000);
    const perMinute = 'Not enough history yet: a point is stored every minute.';
    const perDay = 'No daily roll-up yet: the daily maintenance plan writes one a day.';
    const all = [
      chart(
        'Waiting, all queues',
        'tickets',
        m.at,
        [{ label: 'Waiting', values: m.waiting, colour: COLOURS[0] as string }],
        perMinute,
      ),
      chart(
        'Requests per minute',
        'requests',
        m.at,
        [{ label: 'Requests', values: m.requests, colour: COLOURS[0] as string }],
        perMinute,
      ),
      chart(
        'Response time p95',
        'ms',
        m.at,
        [{ label: 'p95', values: m.p95Ms, colour: COLOURS[1] as string }],
        perMinute,
      ),
      chart(
        // The sampler reads the whole machine (memory: its container's limit, if any): other programs count too.
        'Host CPU and memory in use (the whole machine, not queuekeeper alone)',
        '%',
        m.at,
        [
          { label: 'Host CPU', values: m.cpuPercent, colour: COLOURS[0] as string },
          { label: 'Memory in use', values: m.memoryPercent, colour: COLOURS[2] as string },
        ],
        perMinute,
      ),
      chart(
        'Joins and services per day',
        'tickets',
        dayX,
        [
          { label: 'Joined', values: d.joined, colour: COLOURS[0] as string },
          { label: 'Served', values: d.served, colour: COLOURS[2] as string },
        ],
        perDay,
      ),
    ];
    grid.replaceChildren(...all.map((c) => c.el));
    plots = all.flatMap((c) => c.draw() ?? []);
  };
  root.append(
    h('h1', {}, 'Charts'),
    h(
      'p',
      { class: 'hint' },
      `The last 24 hours, one point a minute, and the last 30 days; below, one queue hour by hour. Times in your time zone (${zone}).`,
    ),
    message,
    grid,
    perQueue.el,
  );
  void load();
  const timer = setInterval(() => void load(), REFRESH_MS);
  return () => {
    clearInterval(timer);
    for (const p of plots) p.destroy();
    perQueue.stop();
  };
}

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from '../common.js';
import { call, problem } from './session.js';

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

interface Line {
  label: string;
  values: (number | null)[];
  colour: string;
}

const COLOURS = ['#0b5cad', '#a1001b', '#0a6b2c'];
const REFRESH_MS = 60_000;
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** A sentence that carries what the chart shows, for screen readers and for a chart with no data. */
function summary(lines: Line[]): string {
  return lines
    .map((l) => {
      const known = l.values.filter((v): v is number => v !== null);
      if (!known.length) return `${l.label}: no data`;
      const fmt = (v: number) => v.toLocaleString(undefined, { maximumFractionDigits: 1 });
      return `${l.label}: latest ${fmt(known[known.length - 1] as number)}, lowest ${fmt(Math.min(...known))}, highest ${fmt(Math.max(...known))}`;
    })
    .join('; ');
}

/** One time-series chart in a figure; uPlot draws it, the caption and the summary say what it is. */
function chart(
  title: string,
  unit: string,
  x: number[],
  lines: Line[],
  empty: string,
): { el: HTMLElement; draw: () => uPlot | null } {
  const text = summary(lines);
  const box = h('div', { class: 'plot', role: 'img', 'aria-label': `${title}. ${text}` });
  const el = h(
    'figure',
    { class: 'card chart', 'data-testid': 'chart' },
    h('figcaption', {}, h('strong', {}, title), ` (${unit})`),
    box,
    x.length < 2 ? h('p', { class: 'hint' }, empty) : null,
  );
  // Drawn once the figure is on the page, at the width its grid column gives it.
  const draw = () =>
    x.length < 2
      ? null
      : new uPlot(
          {
            width: Math.max(240, box.clientWidth),
            height: 220,
            legend: { show: true, live: false },
            cursor: { drag: { x: false, y: false } },
            scales: { x: { time: true } },
            axes: [{ stroke: '#4a5361' }, { stroke: '#4a5361', label: unit, size: 60 }],
            series: [{}, ...lines.map((l) => ({ label: l.label, stroke: l.colour, width: 2, spanGaps: false }))],
          },
          [x, ...lines.map((l) => l.values)] as uPlot.AlignedData,
          box,
        );
  return { el, draw };
}

/** Charts of the stored history: queue length, traffic, response time, resources, daily joins and services. */
export function chartsView(root: HTMLElement): () => void {
  const message = h('p', { role: 'status', class: 'message' });
  const grid = h('div', { class: 'charts' });
  let plots: uPlot[] = [];
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
        'CPU and memory',
        '%',
        m.at,
        [
          { label: 'CPU', values: m.cpuPercent, colour: COLOURS[0] as string },
          { label: 'Memory', values: m.memoryPercent, colour: COLOURS[2] as string },
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
      `The last 24 hours, one point a minute, and the last 30 days. Times in your time zone (${zone}).`,
    ),
    message,
    grid,
  );
  void load();
  const timer = setInterval(() => void load(), REFRESH_MS);
  return () => {
    clearInterval(timer);
    for (const p of plots) p.destroy();
  };
}

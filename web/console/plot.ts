import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from '../common.js';

export interface Line {
  label: string;
  values: (number | null)[];
  colour: string;
}

export const COLOURS = ['#0b5cad', '#a1001b', '#0a6b2c'];
/** The browser's time zone: uPlot draws time axes in it. */
export const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

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

const hasLoneValue = (v: (number | null)[]): boolean =>
  v.some((x, i) => x !== null && (v[i - 1] ?? null) === null && (v[i + 1] ?? null) === null);

/** One time-series chart in a figure; uPlot draws it, the caption and the summary say what it is. */
export function chart(
  title: string,
  unit: string,
  x: number[],
  lines: Line[],
  empty: string,
  /** A fixed value axis (a percentage: 0 to 100), instead of one fitted to the data. */
  range?: [number, number],
): { el: HTMLElement; draw: () => uPlot | null } {
  const text = summary(lines);
  const box = h('div', { class: 'plot', role: 'img', 'aria-label': `${title}. ${text}` });
  const el = h(
    'figure',
    { class: 'card chart', 'data-testid': 'chart' },
    h('figcaption', {}, h('strong', {}, title), ` (${unit})`),
    box,
    x.length === 0 ? h('p', { class: 'hint' }, empty) : null,
  );
  // One time alone has no span for uPlot to scale: an hour either side of it gives one.
  const xRange: [number, number] | undefined =
    x.length === 1 ? [(x[0] as number) - 3600, (x[0] as number) + 3600] : undefined;
  // Drawn once the figure is on the page, at the width its grid column gives it.
  const draw = () =>
    x.length === 0
      ? null
      : new uPlot(
          {
            width: Math.max(240, box.clientWidth),
            height: 220,
            legend: { show: true, live: false },
            cursor: { drag: { x: false, y: false } },
            scales: { x: { time: true, ...(xRange ? { range: xRange } : {}) }, ...(range ? { y: { range } } : {}) },
            axes: [{ stroke: '#4a5361' }, { stroke: '#4a5361', label: unit, size: 60 }],
            series: [
              {},
              ...lines.map((l) => ({
                label: l.label,
                stroke: l.colour,
                width: 2,
                spanGaps: false,
                // A value with no neighbour draws no line: it is shown as a point instead.
                ...(hasLoneValue(l.values) ? { points: { show: true, size: 8, fill: l.colour } } : {}),
              })),
            ],
          },
          [x, ...lines.map((l) => l.values)] as uPlot.AlignedData,
          box,
        );
  return { el, draw };
}

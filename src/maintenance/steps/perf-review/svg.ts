import { escapeHtml } from '../../report/html.js';
import type { Point } from './forecast.js';

/**
 * A self-contained SVG line chart (no script, no external font or link), for the `svgChart`
 * figure the HTML report draws. One panel per series, stacked, each with its own scale.
 */
interface ChartLine {
  readonly name: string;
  readonly points: readonly Point[];
  readonly dashed?: boolean;
}

export interface ChartPanel {
  readonly title: string;
  readonly lines: readonly ChartLine[];
  /** A horizontal line drawn at the series' limit. */
  readonly limit?: number | null;
  readonly xLabel: (x: number) => string;
}

const W = 760;
const LEFT = 64;
const RIGHT = 16;
const PANEL_H = 200;
const PLOT_TOP = 42;
const PLOT_H = 130;
const COLORS = ['#0969da', '#bf3989', '#1a7f37', '#8250df', '#9a6700'];

/** Short numbers for axis labels: 1.2k, 3.4M. */
function compact(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n * 100) / 100);
}

const f1 = (n: number): string => n.toFixed(1);

/** The smallest 1, 2, 2.5 or 5 × 10^k at or above `v`, so the axis ends on a round number. */
function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 2.5, 5, 10].find((m) => m * p >= v) ?? 10) * p;
}

function panel(p: ChartPanel, top: number): string {
  const pts = p.lines.flatMap((l) => l.points);
  const out = [`<text x="${LEFT}" y="${top + 14}" font-size="14" font-weight="600">${escapeHtml(p.title)}</text>`];
  // The legend has its own line: text widths are unknown without a font, so nothing may share one.
  let lx = LEFT;
  p.lines.forEach((l, i) => {
    const c = COLORS[i % COLORS.length] as string;
    out.push(
      `<line x1="${f1(lx)}" y1="${top + 25}" x2="${f1(lx + 18)}" y2="${top + 25}" stroke="${c}" stroke-width="2"${l.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
    );
    out.push(`<text x="${f1(lx + 22)}" y="${top + 29}" font-size="12">${escapeHtml(l.name)}</text>`);
    lx += 34 + l.name.length * 7;
  });
  const y0 = top + PLOT_TOP;
  if (pts.length === 0)
    return [...out, `<text x="${LEFT}" y="${y0 + 40}" font-size="12" fill="#57606a">no data</text>`].join('');
  const xs = pts.map((q) => q[0]);
  let [xmin, xmax] = [Math.min(...xs), Math.max(...xs)];
  if (xmin === xmax) [xmin, xmax] = [xmin - 1, xmax + 1];
  const ys = pts.map((q) => q[1]).concat(p.limit ?? []);
  const ymin = Math.min(0, ...ys);
  const ymax = Math.max(...ys) > ymin ? niceCeil(Math.max(...ys) * 1.05) : ymin + 1;
  const X = (x: number): number => LEFT + ((x - xmin) / (xmax - xmin)) * (W - LEFT - RIGHT);
  const Y = (y: number): number => y0 + PLOT_H - ((y - ymin) / (ymax - ymin)) * PLOT_H;
  out.push(`<path d="M${LEFT} ${y0}V${y0 + PLOT_H}H${W - RIGHT}" fill="none" stroke="#8c959f"/>`);
  for (const v of [ymin, (ymin + ymax) / 2, ymax]) {
    out.push(
      `<text x="${LEFT - 6}" y="${f1(Y(v) + 4)}" font-size="11" text-anchor="end">${escapeHtml(compact(v))}</text>`,
    );
  }
  const ticks = [...new Set([xmin, xmin < 0 && xmax > 0 ? 0 : xmin, xmax])];
  for (const x of ticks) {
    const anchor = x === xmin ? 'start' : x === xmax ? 'end' : 'middle';
    out.push(
      `<text x="${f1(X(x))}" y="${y0 + PLOT_H + 15}" font-size="11" text-anchor="${anchor}">${escapeHtml(p.xLabel(x))}</text>`,
    );
  }
  if (p.limit !== undefined && p.limit !== null) {
    out.push(
      `<line x1="${LEFT}" y1="${f1(Y(p.limit))}" x2="${W - RIGHT}" y2="${f1(Y(p.limit))}" stroke="#cf222e" stroke-dasharray="2 3"/>`,
    );
    out.push(
      `<text x="${W - RIGHT}" y="${f1(Y(p.limit) - 4)}" font-size="11" text-anchor="end" fill="#cf222e">limit ${escapeHtml(compact(p.limit))}</text>`,
    );
  }
  p.lines.forEach((l, i) => {
    if (l.points.length === 0) return;
    const d = l.points.map((q, j) => `${j === 0 ? 'M' : 'L'}${f1(X(q[0]))} ${f1(Y(q[1]))}`).join('');
    out.push(
      `<path d="${d}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2"${l.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
    );
  });
  return out.join('');
}

export function svgChart(title: string, panels: readonly ChartPanel[]): string {
  const h = 36 + panels.length * PANEL_H;
  const body = panels.map((p, i) => panel(p, 30 + i * PANEL_H)).join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" font-family="system-ui,sans-serif" role="img">` +
    `<title>${escapeHtml(title)}</title><rect width="100%" height="100%" fill="#fff"/>` +
    `<text x="${LEFT}" y="22" font-size="16" font-weight="700">${escapeHtml(title)}</text>${body}</svg>`
  );
}

/** "-60 d", "today", "+30 d": x is in days relative to today. */
export const relativeDay = (x: number): string =>
  Math.round(x) === 0 ? 'today' : `${x > 0 ? '+' : ''}${Math.round(x)} d`;

import type { RunDocument } from '../types.js';

/** A figure under this key holding `<svg…` is drawn as a chart (capacity planning uses it). */
const CHART_KEY = 'svgChart';
/** Rows shown per list-of-records figure; the rest are counted, so a huge figure cannot bloat a report. */
export const MAX_ROWS = 200;
export const MAX_DEPTH = 6;

const numbers = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isChart(key: string, v: unknown): v is string {
  return key === CHART_KEY && typeof v === 'string' && v.trimStart().startsWith('<svg');
}

/** A primitive as text; objects and arrays are the renderers' business. */
export function scalarText(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return Number.isFinite(v) ? numbers.format(v) : String(v);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  return JSON.stringify(v) ?? String(v);
}

export const isScalar = (v: unknown): boolean =>
  v === null || v === undefined || (typeof v !== 'object' && typeof v !== 'function');

export function duration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** Column names of a list of records, in first-seen order. */
export function columnsOf(rows: readonly Record<string, unknown>[]): string[] {
  const cols = new Set<string>();
  for (const r of rows.slice(0, MAX_ROWS)) for (const k of Object.keys(r)) cols.add(k);
  return [...cols];
}

/** Said wherever a run is shown: it succeeded, yet it is no evidence that all is well. */
const MEASURED_NOTHING = 'nothing: every step was skipped, see why below';

export function summaryRows(run: RunDocument): [string, string][] {
  return [
    ['Run', run.id],
    ['Plan', run.plan],
    ['Trigger', run.trigger],
    ['Status', run.status],
    ['Success', run.success ? 'yes' : 'no'],
    ...(run.measuredNothing ? [['Measured', MEASURED_NOTHING] as [string, string]] : []),
    ['Scheduled for', run.scheduledFor ?? '—'],
    ['Started', run.startedAt],
    ['Ended', run.endedAt ?? '—'],
    ['Duration', duration(run.durationMs)],
  ];
}

/** Makes a chart usable as an image: an `<img>` only renders SVG that declares its namespace. */
export function chartDataUri(svg: string): string {
  const text = svg.trim();
  const withNs = /^<svg[^>]*\sxmlns=/.test(text)
    ? text
    : text.replace(/^<svg/, '<svg xmlns="http://www.w3.org/2000/svg"');
  return `data:image/svg+xml;base64,${Buffer.from(withNs, 'utf8').toString('base64')}`;
}

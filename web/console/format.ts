const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const STEPS: [number, Intl.RelativeTimeFormatUnit][] = [
  [60, 'second'],
  [60, 'minute'],
  [24, 'hour'],
  [30, 'day'],
  [12, 'month'],
];

/** "3 min ago" / "in 2 hours", in the browser's language. */
export function relative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  let v = (Date.parse(iso) - now) / 1000;
  for (const [size, unit] of STEPS) {
    if (Math.abs(v) < size) return rtf.format(Math.round(v), unit);
    v /= size;
  }
  return rtf.format(Math.round(v), 'year');
}

/** Full local date and time, for a tooltip or a table cell that needs the exact moment. */
export const local = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : '—');

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** A wait so far as m:ss (or h:mm:ss), the way desk screens show it. */
export function clock(fromIso: string, now = Date.now()): string {
  const total = Math.max(0, Math.floor((now - Date.parse(fromIso)) / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

export function bytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** A measured value as a person reads it: words for booleans, lists joined, nested values unfolded. */
export function value(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number')
    return Number.isInteger(v) ? v.toLocaleString() : v.toLocaleString(undefined, { maximumFractionDigits: 2 });
  if (Array.isArray(v)) return v.length === 0 ? 'none' : v.map(value).join('; ');
  if (typeof v === 'object')
    return Object.entries(v)
      .map(([k, x]) => `${words(k)}: ${value(x)}`)
      .join(', ');
  return String(v);
}

/** `averageResponseTimeMs` → "Average response time ms". */
export function words(name: string): string {
  const s = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

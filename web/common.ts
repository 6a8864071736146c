import type { Catalogue } from '../src/http/pages/catalogues/en.js';

/** What the server put in the page for its script: the language, its catalogue and the page's data. */
export type Boot<T> = T & { readonly lang: string; readonly t: Catalogue };

export function readBoot<T>(): Boot<T> {
  return JSON.parse(document.getElementById('qk-boot')?.textContent ?? '{}') as Boot<T>;
}

export interface Eta {
  readonly lowSeconds: number;
  readonly highSeconds: number;
}

export const format = (text: string, vars: Record<string, string | number> = {}): string =>
  text.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));

/** An honest range in whole minutes: the low end rounded down, the high end up. */
export function etaText(t: Catalogue, eta: Eta | null | undefined): string {
  if (!eta) return '—';
  if (eta.highSeconds < 30) return t.waitNone;
  const range = `${Math.floor(eta.lowSeconds / 60)}–${Math.max(1, Math.ceil(eta.highSeconds / 60))}`;
  // Isolated left to right on a right-to-left page, so the low end still reads first.
  return format(t.waitRange, { range: document.dir === 'rtl' ? `\u2066${range}\u2069` : range });
}

type Child = Node | string | number | null | undefined | false;

/** A small element builder: attributes (`on*` become listeners), then children. */
export function h(tag: string, attrs: Record<string, unknown> = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children)
    if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export interface ApiResult<T> {
  readonly status: number;
  readonly body: T & { error?: { code: string; message: string } };
}

export async function api<T>(
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: unknown } = {},
) {
  const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    cache: 'no-store',
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as ApiResult<T>['body'] };
}

/** Random hex from the browser's CSPRNG (works on plain http, where randomUUID does not). */
export function randomKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Storage that may be missing (private modes, blocked cookies): the page still works for this visit. */
export const store = {
  get(k: string): string | null {
    try {
      return localStorage.getItem(k);
    } catch {
      return null;
    }
  },
  set(k: string, v: string): void {
    try {
      localStorage.setItem(k, v);
    } catch {
      /* the page keeps the value in memory for this visit */
    }
  },
  remove(k: string): void {
    try {
      localStorage.removeItem(k);
    } catch {
      /* nothing stored */
    }
  },
};
export const tokenKey = (ticketId: string) => `qk-token:${ticketId}`;
export const lastTicketKey = (queueId: string) => `qk-last:${queueId}`;

let audio: AudioContext | null = null;

/** Browsers start sound only after a gesture: the first tap or key on the page readies it for the call. */
export function readyAudioOnGesture(): void {
  const ready = () => {
    try {
      audio ??= new AudioContext();
      void audio.resume();
    } catch {
      /* no audio on this device */
    }
  };
  for (const type of ['pointerdown', 'keydown'] as const) document.addEventListener(type, ready, { once: true });
}
/** A chime made by the browser itself (no sound file); silent where autoplay is not allowed yet. */
export function chime(tones: readonly number[] = [880, 660, 880]): void {
  try {
    audio ??= new AudioContext();
    void audio.resume();
    tones.forEach((f, i) => {
      const ctx = audio as AudioContext;
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      const at = ctx.currentTime + i * 0.35;
      osc.frequency.value = f;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.4, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.3);
      osc.connect(gain).connect(ctx.destination);
      osc.start(at);
      osc.stop(at + 0.32);
    });
  } catch {
    /* no audio on this device */
  }
}

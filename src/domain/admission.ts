import type { AdmissionSettings, QueueSettings } from './types.js';

/** How often the admission loop runs on a scheduler node. */
export const ADMISSION_TICK_MS = 250;

/**
 * How much missed credit a late round may still spend. Rounds run late while a node is busy (a
 * surge of joins keeps its event loop full), and the rate must hold then; after an outage, though,
 * the room goes back to its rate instead of letting in everyone the pause would have.
 */
export const ADMISSION_CATCH_UP_MS = 2000;

const DEFAULT_ADMISSION: AdmissionSettings = {
  newPerMinute: 60,
  maxActive: null,
  sessionSeconds: 300,
  method: 'fifo',
  opensAt: null,
  idleSeconds: 300,
  siteUrl: null,
};

/** The query parameter that carries a pass to the site; the site guard (src/site-guard) reads the same name. */
const PASS_PARAM = 'qk_pass';

/** Where the ticket page sends an admitted visitor: the room's site, with the pass in the query. */
export function continueUrl(siteUrl: string, pass: string): string {
  const url = new URL(siteUrl);
  url.searchParams.set(PASS_PARAM, pass);
  return url.toString();
}

/** A queue's admission settings with the defaults filled in. */
export const admissionOf = (settings: QueueSettings): AdmissionSettings => ({
  ...DEFAULT_ADMISSION,
  ...settings.admission,
});

/** Milliseconds between two admissions: the rate spread evenly over each minute. */
export const admissionIntervalMs = (a: AdmissionSettings): number => 60_000 / a.newPerMinute;

/** Before `opensAt` the room only gathers its pre-queue. */
export const isOpen = (a: AdmissionSettings, now: number): boolean =>
  a.opensAt === null || Date.parse(a.opensAt) <= now;

/**
 * How stale a waiting visitor's `seen_at` may get before a status read writes it again: a quarter
 * of the idle limit (at most a minute), so a visitor who keeps polling is never taken for idle
 * while a poll writes to the database only now and then.
 */
export const seenRefreshMs = (a: AdmissionSettings): number => Math.min(60_000, (a.idleSeconds * 1000) / 4);

/** Merges a settings patch; a partial `admission` patch keeps the admission fields it does not name. */
export function mergeSettings(cur: Partial<QueueSettings>, patch: Partial<QueueSettings>): Partial<QueueSettings> {
  const merged = { ...cur, ...patch };
  if (patch.admission !== undefined) return { ...merged, admission: { ...cur.admission, ...patch.admission } };
  return merged;
}

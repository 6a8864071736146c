/**
 * Node.js release lines and their support dates, shipped with the app so the runtime check works
 * offline. Source: the Node.js Release Working Group schedule (github.com/nodejs/Release). Dates
 * after `NODE_RELEASES_AS_OF` are the project's plans and may move: update this table with each
 * release of queuekeeper; the steps warn when it is more than a year old.
 *
 * Kept here rather than taken from the `node-releases` package: that package is frozen at install
 * time just as this table is, but carries no date of its own, so a step could not tell an old copy
 * from a current one. With `NODE_RELEASES_AS_OF` the staleness is measured and reported.
 */
export interface NodeReleaseLine {
  readonly major: number;
  /** First release of the line (YYYY-MM-DD). */
  readonly start: string;
  /** Start of Active LTS; null for odd lines, which never become LTS. */
  readonly lts: string | null;
  /** Start of maintenance (security and critical fixes only). */
  readonly maintenance: string;
  /** End of life: no fixes of any kind after this day. */
  readonly end: string;
  readonly codename?: string;
}

export const NODE_RELEASES_AS_OF = '2026-11-27';

export const NODE_RELEASES: readonly NodeReleaseLine[] = [
  { major: 16, start: '2021-04-20', lts: '2021-10-26', maintenance: '2022-10-18', end: '2023-09-11', codename: 'Gallium' },
  { major: 17, start: '2021-10-19', lts: null, maintenance: '2022-04-01', end: '2022-06-01' },
  { major: 18, start: '2022-04-19', lts: '2022-10-25', maintenance: '2023-10-18', end: '2025-04-30', codename: 'Hydrogen' },
  { major: 19, start: '2022-10-18', lts: null, maintenance: '2023-04-01', end: '2023-06-01' },
  { major: 20, start: '2023-04-18', lts: '2023-10-24', maintenance: '2024-10-22', end: '2026-04-30', codename: 'Iron' },
  { major: 21, start: '2023-10-17', lts: null, maintenance: '2024-04-01', end: '2024-06-01' },
  { major: 22, start: '2024-04-24', lts: '2024-10-29', maintenance: '2025-10-21', end: '2027-04-30', codename: 'Jod' },
  { major: 23, start: '2024-10-16', lts: null, maintenance: '2025-04-01', end: '2025-06-01' },
  { major: 24, start: '2025-05-06', lts: '2025-10-28', maintenance: '2026-10-20', end: '2028-04-30', codename: 'Krypton' },
  { major: 25, start: '2025-10-15', lts: null, maintenance: '2026-04-01', end: '2026-06-01' },
  { major: 26, start: '2026-04-22', lts: '2026-10-28', maintenance: '2027-10-20', end: '2029-04-30' },
];

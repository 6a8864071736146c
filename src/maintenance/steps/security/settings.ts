import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StepContext } from '../../step.js';
import { defaultRunNpm, type RunNpm } from './npm.js';

/**
 * What the security steps can be told besides the Config. Tests and the runtime pass these in
 * `ctx.services`; `osvSnapshot`, `maxAdminKeys` and `staleKeyDays` are also read from
 * `config.maintenance` once that schema has the fields (proposed, not there yet), so the read is
 * defensive: a value of the wrong type is ignored, never trusted.
 */
export interface SecuritySettings {
  readonly runNpm: RunNpm;
  /** Folder with package.json and package-lock.json; npm runs there. */
  readonly appRoot: string;
  /** Path of a local OSV snapshot (JSON) for audits without the registry; null = not configured. */
  readonly osvSnapshot: string | null;
  /** A snapshot whose newest record is older than this many days gives a warning. */
  readonly osvMaxAgeDays: number;
  readonly maxAdminKeys: number;
  readonly staleKeyDays: number;
  readonly npmTimeoutMs: number;
  /** `process.version` unless a test pretends to run another Node. */
  readonly nodeVersion: string;
}

const DEFAULT_MAX_ADMIN_KEYS = 3;
const DEFAULT_STALE_KEY_DAYS = 90;
/** OSV publishes advisories every day; a month-old snapshot already misses some. */
const DEFAULT_OSV_MAX_AGE_DAYS = 30;
const DEFAULT_NPM_TIMEOUT_MS = 60_000;

export function securitySettings(ctx: StepContext): SecuritySettings {
  const s = ctx.services;
  const m = ctx.config.maintenance as unknown as Record<string, unknown>;
  return {
    runNpm: typeof s.runNpm === 'function' ? (s.runNpm as RunNpm) : defaultRunNpm,
    appRoot: text(s.appRoot) ?? APP_ROOT,
    osvSnapshot: text(s.osvSnapshot) ?? text(m.osvSnapshot) ?? null,
    osvMaxAgeDays: count(s.osvMaxAgeDays) ?? count(m.osvMaxAgeDays) ?? DEFAULT_OSV_MAX_AGE_DAYS,
    maxAdminKeys: count(s.maxAdminKeys) ?? count(m.maxAdminKeys) ?? DEFAULT_MAX_ADMIN_KEYS,
    staleKeyDays: count(s.staleKeyDays) ?? count(m.staleKeyDays) ?? DEFAULT_STALE_KEY_DAYS,
    // Never longer than the step's own budget, so a hung npm cannot outlive the step.
    npmTimeoutMs: Math.min(count(s.npmTimeoutMs) ?? DEFAULT_NPM_TIMEOUT_MS, ctx.config.maintenance.stepTimeoutMs),
    nodeVersion: text(s.nodeVersion) ?? process.version,
  };
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}

/**
 * The app's root: the nearest folder above this module with a package.json. Works from `src/`
 * (tsx) and from `dist/` alike, and does not depend on the directory the server was started in.
 */
function findAppRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}
const APP_ROOT = findAppRoot(dirname(fileURLToPath(import.meta.url)));

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { npmFailure, parseJson, runOncePerRun } from './npm.js';
import type { SecuritySettings } from './settings.js';
import { updateKind, type UpdateKind } from './version.js';

/** One dependency with a newer version published. */
export interface AvailableUpdate {
  readonly name: string;
  readonly current: string;
  /** Newest version the declared range accepts (what `npm update` would install). */
  readonly wanted: string;
  readonly latest: string;
  /** current → latest, judged like a caret range (see updateKind). */
  readonly kind: UpdateKind;
}

export type OutdatedResult =
  | {
      readonly available: true;
      readonly updates: AvailableUpdate[];
      readonly notInstalled: string[];
      readonly unclassified: string[];
    }
  | { readonly available: false; readonly reason: string };

const entry = z.object({ current: z.string().optional(), wanted: z.string(), latest: z.string() });

/**
 * `npm outdated --json` in the app's root, once per run. Exit 1 only means "something is
 * outdated"; what counts is a JSON object of packages. `{error: …}` or no JSON is unavailable.
 * npm skips packages the registry answers 403/404 for without a word, so an empty answer (the
 * "all current" claim) is believed only after the registry has answered for a real dependency.
 */
export async function npmOutdated(
  settings: SecuritySettings,
  runId: string,
  signal: AbortSignal,
): Promise<OutdatedResult> {
  const opts = { cwd: settings.appRoot, timeoutMs: settings.npmTimeoutMs, signal };
  const r = await runOncePerRun(settings.runNpm, runId, ['outdated', '--json'], opts);
  const json = r.stdout.trim() === '' && r.code === 0 ? {} : parseJson(r.stdout);
  if (r.code === null || typeof json !== 'object' || json === null || Array.isArray(json))
    return { available: false, reason: `update check unavailable: ${npmFailure('npm outdated', r)}` };
  if ('error' in json)
    return { available: false, reason: `update check unavailable: ${errorText((json as { error: unknown }).error)}` };

  const result = readOutdated(json as Record<string, unknown>);
  if (result.updates.length === 0 && result.notInstalled.length === 0) {
    const probe = await registryProbe(settings, runId, opts);
    if (probe !== null)
      return { available: false, reason: `update check unavailable: npm outdated listed nothing, but ${probe}` };
  }
  return { available: true, ...result };
}

function readOutdated(json: Record<string, unknown>): {
  updates: AvailableUpdate[];
  notInstalled: string[];
  unclassified: string[];
} {
  const updates: AvailableUpdate[] = [];
  const notInstalled: string[] = [];
  const unclassified: string[] = [];
  for (const [name, raw] of Object.entries(json)) {
    // A package installed in two places comes as an array; each copy is judged alone.
    for (const one of Array.isArray(raw) ? raw : [raw]) {
      const e = entry.safeParse(one);
      if (!e.success) {
        unclassified.push(name);
        continue;
      }
      if (e.data.current === undefined) {
        notInstalled.push(name);
        continue;
      }
      const kind = updateKind(e.data.current, e.data.latest);
      // "latest" older than current (a pre-release installed) or a git/link version: no update to classify.
      if (kind === null || e.data.current === e.data.latest) unclassified.push(name);
      else updates.push({ name, current: e.data.current, wanted: e.data.wanted, latest: e.data.latest, kind });
    }
  }
  updates.sort((a, b) => a.name.localeCompare(b.name));
  return { updates, notInstalled, unclassified };
}

export function splitByKind(updates: readonly AvailableUpdate[]): Record<UpdateKind, AvailableUpdate[]> {
  return {
    patch: updates.filter((u) => u.kind === 'patch'),
    minor: updates.filter((u) => u.kind === 'minor'),
    major: updates.filter((u) => u.kind === 'major'),
  };
}

/** null when the registry answers `npm view` for the app's first dependency; else why not. */
async function registryProbe(
  settings: SecuritySettings,
  runId: string,
  opts: { cwd: string; timeoutMs: number; signal: AbortSignal },
): Promise<string | null> {
  let name: string | undefined;
  try {
    const pkg = JSON.parse(await readFile(join(settings.appRoot, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, unknown>;
    };
    name = Object.keys(pkg.dependencies ?? {})[0];
  } catch {
    return 'package.json could not be read to confirm the registry answers';
  }
  if (name === undefined) return null; // nothing to be outdated
  const r = await runOncePerRun(settings.runNpm, runId, ['view', name, 'version', '--json'], opts);
  const v = parseJson(r.stdout);
  return r.code === 0 && typeof v === 'string'
    ? null
    : `the registry did not answer for ${name} (${npmFailure('npm view', r)})`;
}

function errorText(e: unknown): string {
  const rec = typeof e === 'object' && e !== null ? (e as Record<string, unknown>) : {};
  return (
    [rec.code, rec.summary]
      .filter((p): p is string => typeof p === 'string' && p !== '')
      .join(' - ')
      .slice(0, 300) || 'npm outdated returned an error'
  );
}

import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import type { LockedPackage } from './lockfile.js';
import semver, { type SemVer } from 'semver';

/** One advisory of the snapshot that matches an installed package. */
interface OsvMatch {
  readonly id: string;
  readonly package: string;
  readonly version: string;
  readonly dev: boolean;
  readonly severity: string;
  readonly summary: string | null;
  /** The first fixed version of the matching range, when the advisory names one. */
  readonly fixed: string | null;
}

export type OsvResult =
  | {
      readonly available: true;
      readonly file: string;
      readonly advisories: number;
      readonly invalidEntries: number;
      readonly newestModified: string | null;
      readonly matches: OsvMatch[];
    }
  | { readonly available: false; readonly file: string; readonly reason: string };

const MAX_BYTES = 64 * 1024 * 1024;
const event = z
  .object({ introduced: z.string(), fixed: z.string(), last_affected: z.string(), limit: z.string() })
  .partial();
/** The OSV schema (ossf.github.io/osv-schema), reduced to what matching reads. */
const entry = z.object({
  id: z.string().min(1).max(200),
  summary: z.string().max(2000).optional(),
  modified: z.string().optional(),
  database_specific: z.object({ severity: z.string().max(20).optional() }).optional(),
  affected: z.array(
    z.object({
      package: z.object({ ecosystem: z.string(), name: z.string() }),
      ranges: z.array(z.object({ type: z.string(), events: z.array(event) })).optional(),
      versions: z.array(z.string()).optional(),
    }),
  ),
});
type Entry = z.infer<typeof entry>;

/**
 * Matches installed packages against a local OSV snapshot: a JSON array of OSV records, or
 * `{"vulns": [...]}`. The file comes from outside the app, so it is size-capped and each record
 * is validated; bad records are counted and skipped, a file of the wrong shape is refused.
 */
export async function matchOsvSnapshot(file: string, installed: readonly LockedPackage[]): Promise<OsvResult> {
  let text: string;
  try {
    const st = await stat(file);
    if (!st.isFile()) return { available: false, file, reason: 'the OSV snapshot is not a regular file' };
    if (st.size > MAX_BYTES)
      return {
        available: false,
        file,
        reason: `the OSV snapshot is ${st.size} bytes; the limit is ${MAX_BYTES} (keep only npm records)`,
      };
    text = await readFile(file, 'utf8');
  } catch (e) {
    return {
      available: false,
      file,
      reason: `the OSV snapshot cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { available: false, file, reason: 'the OSV snapshot is not valid JSON' };
  }
  const list = Array.isArray(json) ? json : (json as { vulns?: unknown } | null)?.vulns;
  if (!Array.isArray(list))
    return {
      available: false,
      file,
      reason: 'the OSV snapshot is neither an array of OSV records nor {"vulns": [...]}',
    };

  const byName = new Map<string, LockedPackage[]>();
  for (const p of installed) {
    const same = byName.get(p.name) ?? [];
    // The same version at several places in the tree is one finding, dev only if every copy is.
    const twin = same.findIndex((q) => q.version === p.version);
    if (twin < 0) byName.set(p.name, [...same, p]);
    else if (!p.dev) same[twin] = p;
  }
  const matches: OsvMatch[] = [];
  const seen = new Set<string>();
  let invalidEntries = 0;
  let newestModified: string | null = null;
  for (const raw of list) {
    const parsed = entry.safeParse(raw);
    if (!parsed.success) {
      invalidEntries++;
      continue;
    }
    const e = parsed.data;
    if (e.modified && !Number.isNaN(Date.parse(e.modified)) && (newestModified === null || e.modified > newestModified))
      newestModified = e.modified;
    for (const a of e.affected) {
      if (a.package.ecosystem !== 'npm') continue;
      for (const p of byName.get(a.package.name) ?? []) {
        const hit = affects(a, p.version);
        const key = `${e.id}|${p.name}|${p.version}`;
        if (hit && !seen.has(key) && seen.add(key))
          matches.push({
            id: e.id,
            package: p.name,
            version: p.version,
            dev: p.dev,
            severity: severityOf(e),
            summary: e.summary ?? null,
            fixed: hit.fixed,
          });
      }
    }
  }
  return { available: true, file, advisories: list.length - invalidEntries, invalidEntries, newestModified, matches };
}

/**
 * Whether `version` lies in one of the record's ranges (events sorted, then replayed: introduced
 * opens, fixed and last_affected close) or in its explicit version list. GIT ranges are skipped:
 * commit ids say nothing about an npm version.
 */
function affects(a: Entry['affected'][number], version: string): { fixed: string | null } | null {
  if (a.versions?.includes(version)) return { fixed: null };
  const v = semver.parse(version);
  if (!v) return null;
  for (const range of a.ranges ?? []) {
    if (range.type !== 'SEMVER' && range.type !== 'ECOSYSTEM') continue;
    const events = range.events
      .map((ev) => ({
        ev,
        at:
          ev.introduced === '0' ? ZERO : semver.parse(ev.introduced ?? ev.fixed ?? ev.last_affected ?? ev.limit ?? ''),
      }))
      .filter((x): x is { ev: (typeof range.events)[number]; at: SemVer } => x.at !== null)
      .sort((x, y) => semver.compare(x.at, y.at));
    let affected = false;
    for (const { ev, at } of events) {
      const c = semver.compare(v, at);
      if (ev.introduced !== undefined && c >= 0) affected = true;
      else if (ev.fixed !== undefined && c >= 0) affected = false;
      else if (ev.last_affected !== undefined && c > 0) affected = false;
      else if (ev.limit !== undefined && c >= 0) affected = false;
    }
    if (affected)
      return {
        fixed:
          range.events.find((ev) => ev.fixed !== undefined && semver.valid(ev.fixed) && semver.lt(v, ev.fixed))
            ?.fixed ?? null,
      };
  }
  return null;
}

const ZERO = new semver.SemVer('0.0.0');

function severityOf(e: Entry): string {
  const s = e.database_specific?.severity?.toLowerCase();
  return s && ['low', 'moderate', 'medium', 'high', 'critical'].includes(s)
    ? s === 'medium'
      ? 'moderate'
      : s
    : 'unknown';
}

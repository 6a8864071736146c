import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One installed package as package-lock.json (lockfile v2/v3) records it. */
export interface LockedPackage {
  readonly name: string;
  readonly version: string;
  /** The lockfile key, e.g. `node_modules/a/node_modules/b`: where it sits in the tree. */
  readonly path: string;
  /** Only needed by devDependencies: not shipped in a production install. */
  readonly dev: boolean;
}

export type Lockfile =
  { readonly ok: true; readonly packages: LockedPackage[] } | { readonly ok: false; readonly reason: string };

const MAX_BYTES = 64 * 1024 * 1024;

/**
 * Reads `<root>/package-lock.json`. The file is input (an edit, a merge conflict), so each entry
 * is checked and a broken one is skipped rather than trusted; lockfile v1 (npm 6) has no
 * `packages` map and is refused with the reason.
 */
export async function readLockfile(root: string): Promise<Lockfile> {
  let text: string;
  try {
    text = await readFile(join(root, 'package-lock.json'), 'utf8');
  } catch (e) {
    return {
      ok: false,
      reason: `package-lock.json cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    };
  }
  if (text.length > MAX_BYTES) return { ok: false, reason: 'package-lock.json is larger than 64 MiB' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'package-lock.json is not valid JSON' };
  }
  const packages = (json as { packages?: unknown } | null)?.packages;
  if (typeof packages !== 'object' || packages === null)
    return {
      ok: false,
      reason: 'package-lock.json has no "packages" map (lockfile v1 is not supported; run npm install with npm 7+)',
    };

  const out: LockedPackage[] = [];
  for (const [path, raw] of Object.entries(packages as Record<string, unknown>)) {
    const at = path.lastIndexOf('node_modules/');
    if (at < 0 || typeof raw !== 'object' || raw === null) continue; // "" is the app itself
    const entry = raw as Record<string, unknown>;
    if (entry.link === true || typeof entry.version !== 'string') continue; // workspace links have no version
    // An alias (`"x": "npm:y@1"`) is installed under x but is package y: advisories name y.
    const name = typeof entry.name === 'string' ? entry.name : path.slice(at + 'node_modules/'.length);
    out.push({ name, version: entry.version, path, dev: entry.dev === true });
  }
  return { ok: true, packages: out };
}

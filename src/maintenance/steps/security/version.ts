import semver from 'semver';

export type UpdateKind = 'patch' | 'minor' | 'major';

/** The major version of `text` (`v20.20.2` → 20), or null when it is not a version. */
export function majorOf(text: string): number | null {
  return semver.parse(text.trim())?.major ?? null;
}

/**
 * How big the step from `from` to `to` is, judged the way a caret range (`^x.y.z`, what npm
 * writes) judges it: a change of the leftmost non-zero part may break callers, so 0.28 → 0.29
 * is `major` even though semver calls it a minor bump. Null when either side is not a version.
 */
export function updateKind(from: string, to: string): UpdateKind | null {
  const a = semver.parse(from.trim());
  const b = semver.parse(to.trim());
  if (!a || !b) return null;
  if (a.major !== b.major) return 'major';
  if (a.major === 0 && a.minor !== b.minor) return 'major';
  if (a.major === 0 && a.minor === 0 && a.patch !== b.patch) return 'major';
  if (a.minor !== b.minor) return 'minor';
  return 'patch';
}

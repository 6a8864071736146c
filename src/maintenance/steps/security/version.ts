/**
 * The little of semver the security steps need: parse, order, and tell how far apart two
 * versions are. Written here rather than importing `semver`, which is only a transitive
 * dependency of this app and could disappear with any update.
 */
export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** Pre-release identifiers (`1.0.0-rc.1` → ['rc', '1']); empty for a release. */
  readonly pre: readonly string[];
}

const VERSION = /^v?(\d{1,9})\.(\d{1,9})\.(\d{1,9})(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

export function parseVersion(text: string): Version | null {
  const m = VERSION.exec(text.trim());
  if (!m) return null;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre: m[4] ? m[4].split('.') : [] };
}

/** Negative when a < b, 0 when equal, positive when a > b (semver precedence, build ignored). */
export function compareVersions(a: Version, b: Version): number {
  const core = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (core !== 0) return core;
  // A pre-release sorts before its release: 1.0.0-rc.1 < 1.0.0.
  if (a.pre.length === 0 || b.pre.length === 0) return b.pre.length - a.pre.length;
  for (let i = 0; i < Math.max(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i];
    const y = b.pre[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny && Number(x) !== Number(y)) return Number(x) - Number(y);
    if (nx !== ny) return nx ? -1 : 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export type UpdateKind = 'patch' | 'minor' | 'major';

/**
 * How big the step from `from` to `to` is, judged the way a caret range (`^x.y.z`, what npm
 * writes) judges it: a change of the leftmost non-zero part may break callers, so 0.28 → 0.29
 * is `major` even though semver calls it a minor bump. Null when either side is not a version.
 */
export function updateKind(from: string, to: string): UpdateKind | null {
  const a = parseVersion(from);
  const b = parseVersion(to);
  if (!a || !b) return null;
  if (a.major !== b.major) return 'major';
  if (a.major === 0 && a.minor !== b.minor) return 'major';
  if (a.major === 0 && a.minor === 0 && a.patch !== b.patch) return 'major';
  if (a.minor !== b.minor) return 'minor';
  return 'patch';
}

import type { Finding, Severity } from '../../types.js';
import { npmAudit, RANK, type AdvisorySeverity } from './audit.js';
import { readLockfile, type Lockfile } from './lockfile.js';
import { matchOsvSnapshot, type OsvResult } from './osv.js';
import type { SecuritySettings } from './settings.js';

/** One vulnerable installed package, from npm audit or the OSV snapshot. */
export interface VulnerablePackage {
  readonly name: string;
  /** The installed version when the source names it (the OSV match does; npm audit gives a range). */
  readonly version: string | null;
  readonly severity: string;
  readonly source: 'npm audit' | 'osv snapshot';
  readonly advisories: string[];
  /** Only a devDependency needs it: not part of a production install. */
  readonly devOnly: boolean;
  readonly fix: string;
  readonly fixAvailable: boolean;
  /** The update that fixes it, when one dependency at one version does. */
  readonly fixTarget: { readonly name: string; readonly version: string } | null;
}

export interface DependencyAudit {
  /** `skipped` when no source could be read: the counts are then null, never 0. */
  readonly status: 'measured' | 'skipped';
  readonly reason: string | null;
  readonly npmAudit: { available: true; counts: Record<string, number> } | { available: false; reason: string };
  readonly osvSnapshot:
    | Omit<Extract<OsvResult, { available: true }>, 'matches'>
    | Extract<OsvResult, { available: false }>
    | 'not configured';
  readonly vulnerablePackages: number | null;
  readonly fixable: number | null;
  /** Most severe first. */
  readonly packages: VulnerablePackage[];
}

/** Findings per package are capped; the rest are counted in one line so a run document stays small. */
const MAX_FINDINGS = 20;

/**
 * Dependency advisories from `npm audit` and, when configured, a local OSV snapshot matched
 * against package-lock.json (for networks where the registry does not answer audits).
 */
export async function auditDependencies(
  settings: SecuritySettings,
  runId: string,
  signal: AbortSignal,
  findings: Finding[],
  now: Date,
): Promise<DependencyAudit> {
  const [audit, lock] = await Promise.all([npmAudit(settings, runId, signal), readLockfile(settings.appRoot)]);
  const packages: VulnerablePackage[] = [];
  if (audit.available) {
    for (const v of audit.vulnerabilities) {
      const fix =
        v.fix === false
          ? 'no fix available yet'
          : v.fix === true
            ? 'npm audit fix (within the declared ranges)'
            : `update ${v.fix.name} to ${v.fix.version}${v.fix.semverMajor ? ' (a major update)' : ''}`;
      const advisories =
        v.advisories.length > 0 ? v.advisories.map((a) => a.url ?? a.title) : v.via.map((p) => `through ${p}`);
      const fixTarget = typeof v.fix === 'object' ? { name: v.fix.name, version: v.fix.version } : null;
      packages.push({
        name: v.name,
        version: null,
        severity: v.severity,
        source: 'npm audit',
        advisories,
        devOnly: devOnly(lock, v.nodes),
        fix,
        fixAvailable: v.fix !== false,
        fixTarget,
      });
    }
  }

  let osv: OsvResult | null = null;
  if (settings.osvSnapshot !== null) {
    osv = lock.ok
      ? await matchOsvSnapshot(settings.osvSnapshot, lock.packages)
      : { available: false, file: settings.osvSnapshot, reason: lock.reason };
    if (osv.available) {
      const stale = snapshotAge(osv, now, settings.osvMaxAgeDays);
      if (stale !== null) findings.push({ severity: 'warning', message: stale });
      const byNpm = new Set(packages.flatMap((p) => p.advisories.map((a) => `${p.name}|${a.split('/').pop()}`)));
      for (const m of osv.matches) {
        if (byNpm.has(`${m.package}|${m.id}`)) continue; // npm audit already reported this advisory
        const fixTarget = m.fixed ? { name: m.package, version: m.fixed } : null;
        const advisories = [`${m.id}${m.summary ? `: ${m.summary}` : ''}`];
        packages.push({
          name: m.package,
          version: m.version,
          severity: m.severity,
          source: 'osv snapshot',
          advisories,
          devOnly: m.dev,
          fix: m.fixed ? `update to ${m.fixed} or later` : 'no fixed version named',
          fixAvailable: fixTarget !== null,
          fixTarget,
        });
      }
    }
  }

  // Most severe first across both sources, so the capped findings are the ones that matter.
  packages.sort((a, b) => rank(b) - rank(a) || a.name.localeCompare(b.name));
  const measured = audit.available || osv?.available === true;
  const reasons = [
    audit.available ? null : audit.reason,
    osv && !osv.available ? `OSV snapshot ${osv.file}: ${osv.reason}` : null,
  ].filter((r): r is string => r !== null);
  if (!measured) {
    findings.push({
      severity: 'info',
      message: `dependency advisories not measured (${reasons.join('; ')}); this is not "0 vulnerabilities"`,
    });
  } else if (reasons.length > 0) {
    findings.push({
      severity: 'info',
      message: `one advisory source failed, the other was used: ${reasons.join('; ')}`,
    });
  }
  packages.forEach((p, i) => {
    if (i < MAX_FINDINGS)
      findings.push({
        severity: severityOf(p),
        message: `${p.name}${p.version ? `@${p.version}` : ''}: ${p.severity} advisory${p.devOnly ? ' (devDependency only)' : ''} ${p.advisories.slice(0, 3).join(', ')}; fix: ${p.fix}`,
      });
  });
  if (packages.length > MAX_FINDINGS)
    findings.push({
      severity: 'info',
      message: `${packages.length - MAX_FINDINGS} more vulnerable packages are listed in the figures`,
    });

  return {
    status: measured ? 'measured' : 'skipped',
    reason: measured ? null : reasons.join('; '),
    npmAudit: audit.available ? { available: true, counts: audit.counts } : audit,
    osvSnapshot: osv === null ? 'not configured' : withoutMatches(osv),
    vulnerablePackages: measured ? packages.length : null,
    fixable: measured ? packages.filter((p) => p.fixAvailable).length : null,
    packages,
  };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A snapshot is as old as its newest record: advisories published after it are not in it, so an
 * old snapshot reads as "no advisory" for exactly the packages that have new ones. Null when fresh.
 */
function snapshotAge(osv: Extract<OsvResult, { available: true }>, now: Date, maxDays: number): string | null {
  if (osv.newestModified === null)
    return `OSV snapshot ${osv.file}: no record carries a "modified" date, so its age is unknown; advisories published since it was taken are not matched`;
  const days = Math.floor((now.getTime() - Date.parse(osv.newestModified)) / DAY_MS);
  if (days <= maxDays) return null;
  return `OSV snapshot ${osv.file} is ${days} days old (newest record modified ${osv.newestModified}, more than ${maxDays} days): advisories published since are not matched; refresh the snapshot`;
}

/** The matches are already in `packages`; the snapshot's own summary is what remains. */
function withoutMatches(osv: OsvResult): DependencyAudit['osvSnapshot'] {
  if (!osv.available) return osv;
  const { matches: _listed, ...summary } = osv;
  return summary;
}

function rank(p: VulnerablePackage): number {
  return (RANK[p.severity as AdvisorySeverity] ?? RANK.moderate) - (p.devOnly ? 0.5 : 0);
}

/** A package is dev-only when every installed copy is marked `dev` in the lockfile. */
function devOnly(lock: Lockfile, nodes: readonly string[]): boolean {
  if (!lock.ok || nodes.length === 0) return false;
  const dev = new Map(lock.packages.map((p) => [p.path, p.dev]));
  return nodes.every((n) => dev.get(n) === true);
}

/** Critical and high fail the step when the package ships; in devDependencies they only warn. */
export function severityOf(p: VulnerablePackage): Severity {
  const s = p.severity as AdvisorySeverity | 'unknown';
  if (s === 'critical' || s === 'high') return p.devOnly ? 'warning' : 'error';
  if (s === 'moderate' || s === 'unknown') return 'warning';
  return 'info';
}

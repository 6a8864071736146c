import { z } from 'zod';
import type { SecuritySettings } from './settings.js';
import { npmFailure, parseJson, runOncePerRun } from './npm.js';

export type AdvisorySeverity = 'info' | 'low' | 'moderate' | 'high' | 'critical';

/** One vulnerable package of the installed tree, as `npm audit` names it. */
interface Vulnerability {
  readonly name: string;
  readonly severity: AdvisorySeverity;
  /** The affected version range; the installed version lies in it. */
  readonly range: string;
  readonly isDirect: boolean;
  /** The package's own advisories (titles and URLs). */
  readonly advisories: readonly { title: string; url: string | null }[];
  /** Other vulnerable packages this one is vulnerable through (it depends on them). */
  readonly via: readonly string[];
  /** Lockfile paths of the installed copies; used to tell dev-only packages apart. */
  readonly nodes: readonly string[];
  /** false: no fix; true: `npm audit fix` within the declared ranges; else the direct update that fixes it. */
  readonly fix: false | true | { name: string; version: string; semverMajor: boolean };
}

export type AuditResult =
  | {
      readonly available: true;
      readonly counts: Record<AdvisorySeverity | 'total', number>;
      readonly vulnerabilities: Vulnerability[];
    }
  /** The registry did not answer, npm failed, or printed something else: nothing was measured. */
  | { readonly available: false; readonly reason: string };

const severity = z.enum(['info', 'low', 'moderate', 'high', 'critical']);
const advisory = z.object({ title: z.string(), url: z.string().optional(), name: z.string().optional() });
const fixObject = z.object({ name: z.string(), version: z.string(), isSemVerMajor: z.boolean() });
/** npm 7+ report (auditReportVersion 2). Only the fields read are checked; others may come and go. */
const report = z.object({
  auditReportVersion: z.literal(2),
  vulnerabilities: z.record(
    z.string(),
    z.object({
      name: z.string(),
      severity,
      isDirect: z.boolean().optional(),
      via: z.array(z.union([z.string(), advisory])),
      range: z.string().optional(),
      nodes: z.array(z.string()).optional(),
      fixAvailable: z.union([z.boolean(), fixObject]).optional(),
    }),
  ),
  metadata: z.object({
    vulnerabilities: z.object({
      info: z.number(),
      low: z.number(),
      moderate: z.number(),
      high: z.number(),
      critical: z.number(),
      total: z.number(),
    }),
  }),
});

/** Runs `npm audit --json` in the app's root (once per run) and reads its report. */
export async function npmAudit(settings: SecuritySettings, runId: string, signal: AbortSignal): Promise<AuditResult> {
  const r = await runOncePerRun(settings.runNpm, runId, ['audit', '--json'], {
    cwd: settings.appRoot,
    timeoutMs: settings.npmTimeoutMs,
    signal,
  });
  return readAudit(r.code, r.stdout, () => npmFailure('npm audit', r));
}

/**
 * Exit 1 is normal when vulnerabilities were found, so the exit code alone says nothing; only a
 * complete report counts. `{error: …}` (a 405 from a registry without the bulk advisory endpoint,
 * ENOLOCK, ENOTFOUND) or anything unrecognised is "unavailable", never zero vulnerabilities.
 */
export function readAudit(code: number | null, stdout: string, failure: () => string): AuditResult {
  const json = parseJson(stdout);
  const rec = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : null;
  if (code === null || !rec) return { available: false, reason: `audit unavailable: ${failure()}` };
  if ('error' in rec) return { available: false, reason: `audit unavailable: ${errorText(rec)}` };
  const parsed = report.safeParse(json);
  if (!parsed.success)
    return { available: false, reason: `audit unavailable: npm audit printed an unrecognised report (exit ${code})` };
  const vulnerabilities = Object.values(parsed.data.vulnerabilities).map((v): Vulnerability => {
    const fix = v.fixAvailable ?? false;
    return {
      name: v.name,
      severity: v.severity,
      range: v.range ?? '*',
      isDirect: v.isDirect ?? false,
      advisories: v.via.filter((x) => typeof x !== 'string').map((a) => ({ title: a.title, url: a.url ?? null })),
      via: v.via.filter((x): x is string => typeof x === 'string'),
      nodes: v.nodes ?? [],
      fix: typeof fix === 'boolean' ? fix : { name: fix.name, version: fix.version, semverMajor: fix.isSemVerMajor },
    };
  });
  vulnerabilities.sort((a, b) => RANK[b.severity] - RANK[a.severity] || a.name.localeCompare(b.name));
  return { available: true, counts: parsed.data.metadata.vulnerabilities, vulnerabilities };
}

export const RANK: Record<AdvisorySeverity, number> = { info: 0, low: 1, moderate: 2, high: 3, critical: 4 };

/** The most telling text of npm's error object: its code and summary, or the HTTP message. */
function errorText(rec: Record<string, unknown>): string {
  const e = typeof rec.error === 'object' && rec.error !== null ? (rec.error as Record<string, unknown>) : {};
  const parts = [
    e.code,
    e.summary,
    rec.message,
    typeof rec.statusCode === 'number' ? `HTTP ${rec.statusCode}` : undefined,
    e.detail,
  ];
  const seen = new Set<string>();
  const text = parts
    .filter((p): p is string => typeof p === 'string' && p.trim() !== '')
    .map((p) => p.trim().split('\n')[0]!.slice(0, 200))
    .filter((p) => !seen.has(p) && seen.add(p))
    .join(' - ');
  return text || 'npm audit returned an error without a message';
}

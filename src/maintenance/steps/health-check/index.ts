import { statusFrom, type Step, type StepContext } from '../../step.js';
import type { Finding } from '../../types.js';
import { checkOutbox } from './outbox.js';
import {
  checkTarget,
  deadline,
  errorText,
  httpGet,
  parseTarget,
  round2,
  timeoutText,
  webhookTarget,
  type Health,
  type HealthStatus,
  type Target,
} from './probes.js';

export { parseTarget } from './probes.js';

/** Each check's deadline: long enough for a busy database, short enough to keep the run moving. */
const HEALTH_TIMEOUT_MS = 3000;

interface ApplicationHealth extends Health {
  readonly url: string;
  readonly httpStatus: number | null;
}

interface DependencyHealth extends Health {
  readonly target: string;
  readonly kind: Target['kind'];
  readonly source: 'externalDependencies' | 'alertWebhooks';
  readonly httpStatus?: number;
}

export interface ExternalHealth {
  /** NotConfigured without targets; Unhealthy when any target is; else Healthy. */
  readonly status: HealthStatus;
  readonly healthy: number;
  readonly unhealthy: number;
  readonly dependencies: DependencyHealth[];
}

/**
 * Daily step: can this node reach its database, Redis, its own HTTP server and the outside
 * services it depends on? Each answer is measured now with a deadline; a dependency that is not
 * configured says `NotConfigured` rather than `Healthy`. The three the product cannot serve
 * without fail the step; an unreachable external dependency only warns.
 */
export const healthCheck: Step = async (ctx) => {
  const [databaseHealth, redisHealth, applicationHealth, externalDependenciesHealth, outbox] = await Promise.all([
    checkDatabase(ctx),
    checkRedis(ctx),
    checkApplication(ctx),
    checkExternal(ctx),
    checkOutbox(ctx, HEALTH_TIMEOUT_MS),
  ]);
  const findings: Finding[] = [];
  const down: string[] = [];
  if (databaseHealth.status === 'Unhealthy') {
    down.push('database');
    findings.push({
      severity: 'error',
      message: `database ping failed (deadline ${HEALTH_TIMEOUT_MS} ms): ${databaseHealth.error}`,
    });
  }
  if (redisHealth.status === 'Unhealthy') {
    down.push('redis');
    findings.push({
      severity: 'error',
      message: `Redis ping failed (deadline ${HEALTH_TIMEOUT_MS} ms): ${redisHealth.error}`,
    });
  }
  if (applicationHealth.status === 'Unhealthy') {
    down.push('application');
    findings.push({ severity: 'error', message: `GET ${applicationHealth.url} failed: ${applicationHealth.error}` });
  }
  for (const d of externalDependenciesHealth.dependencies) {
    if (d.status === 'Unhealthy')
      findings.push({ severity: 'warning', message: `${d.source} ${d.target} Unhealthy: ${d.error}` });
  }
  findings.push(...outbox.findings);
  return {
    status: statusFrom(findings),
    figures: {
      databaseHealth,
      redisHealth,
      applicationHealth,
      externalDependenciesHealth,
      outbox: outbox.outbox,
      timeoutMs: HEALTH_TIMEOUT_MS,
    },
    findings,
    error: down.length > 0 ? `unhealthy: ${down.join(', ')}` : null,
  };
};

async function checkDatabase(ctx: StepContext): Promise<Health> {
  try {
    return { status: 'Healthy', latencyMs: round2(await ctx.store.ping(HEALTH_TIMEOUT_MS)), error: null };
  } catch (e) {
    return { status: 'Unhealthy', latencyMs: null, error: errorText(e) };
  }
}

/** The in-process backend has nothing to reach: Redis is then simply not part of this node. */
async function checkRedis(ctx: StepContext): Promise<Health> {
  if (ctx.live.kind !== 'redis') return { status: 'NotConfigured', latencyMs: null, error: null };
  try {
    return { status: 'Healthy', latencyMs: round2(await ctx.live.ping(HEALTH_TIMEOUT_MS)), error: null };
  } catch (e) {
    return { status: 'Unhealthy', latencyMs: null, error: errorText(e) };
  }
}

/**
 * Asks the node's own HTTP server over the network, as a load balancer would: this catches a
 * server that is up but not listening, or ready-checks that fail, which an in-process call cannot.
 */
async function checkApplication(ctx: StepContext): Promise<ApplicationHealth> {
  const url = `${ctx.config.baseUrl.replace(/\/+$/, '')}/health/ready`;
  try {
    const r = await httpGet(url, deadline(ctx.signal, HEALTH_TIMEOUT_MS));
    if (r.status === 200) return { url, status: 'Healthy', httpStatus: r.status, latencyMs: r.latencyMs, error: null };
    return {
      url,
      status: 'Unhealthy',
      httpStatus: r.status,
      latencyMs: r.latencyMs,
      error: `HTTP ${r.status}${failedParts(r.body)}`,
    };
  } catch (e) {
    return {
      url,
      status: 'Unhealthy',
      httpStatus: null,
      latencyMs: null,
      error: `nothing answered: ${timeoutText(e, HEALTH_TIMEOUT_MS)}`,
    };
  }
}

/** The ready route names what failed; quote it so the finding says why, not only that. */
function failedParts(body: string): string {
  try {
    const failed = (JSON.parse(body) as { failed?: unknown }).failed;
    return Array.isArray(failed) && failed.length > 0 ? ` (failed: ${failed.join(', ')})` : '';
  } catch {
    return '';
  }
}

async function checkExternal(ctx: StepContext): Promise<ExternalHealth> {
  const m = ctx.config.maintenance;
  const targets: { t: Target; source: DependencyHealth['source'] }[] = m.externalDependencies.map((s) => ({
    t: parseTarget(s),
    source: 'externalDependencies',
  }));
  // Several webhooks often share one host (one chat service); connect to each host once.
  const seen = new Set<string>();
  for (const w of m.alertWebhooks) {
    const t = webhookTarget(w.url);
    if (!seen.has(t.label)) targets.push({ t, source: 'alertWebhooks' });
    seen.add(t.label);
  }
  if (targets.length === 0) return { status: 'NotConfigured', healthy: 0, unhealthy: 0, dependencies: [] };
  const dependencies = await Promise.all(
    targets.map(async ({ t, source }) => ({ ...(await checkTarget(t, ctx.signal, HEALTH_TIMEOUT_MS)), source })),
  );
  const unhealthy = dependencies.filter((d) => d.status === 'Unhealthy').length;
  return {
    status: unhealthy > 0 ? 'Unhealthy' : 'Healthy',
    healthy: dependencies.length - unhealthy,
    unhealthy,
    dependencies,
  };
}

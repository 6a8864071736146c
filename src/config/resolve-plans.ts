import { ConfigError } from '../errors/index.js';
import { onOff, type Env } from './env-values.js';
import type { FileConfig } from './schema.js';
import { DEFAULT_PLANS, type PlanDefinition } from './plans.js';

type Overrides = NonNullable<NonNullable<FileConfig['maintenance']>['plans']>;
type CronCheck = (variable: string, expr: string, timezone: string) => void;

/** Merges the shipped plans, the config file's plans and `QK_PLAN_<NAME>_*` variables, in that order. */
export function resolvePlans(overrides: Overrides, env: Env, timezone: string, checkCron: CronCheck): PlanDefinition[] {
  const names = [...new Set([...Object.keys(DEFAULT_PLANS), ...Object.keys(overrides)])];
  const plans = names.map((name): PlanDefinition => {
    const base = DEFAULT_PLANS[name];
    const o = overrides[name] ?? {};
    const steps = o.steps ?? base?.steps;
    if (!steps) throw new ConfigError('QK_CONFIG', `maintenance.plans.${name}: a new plan needs "steps"`);
    const key = `QK_PLAN_${name.toUpperCase()}`;
    const envCron = env[`${key}_CRON`];
    const cron =
      envCron !== undefined && envCron !== '' ? envCron : o.cron !== undefined ? o.cron : (base?.cron ?? null);
    const tz = o.timezone ?? timezone;
    if (cron !== null) checkCron(envCron ? `${key}_CRON` : `maintenance.plans.${name}.cron`, cron, tz);
    return {
      name,
      cron,
      steps,
      priority: o.priority ?? base?.priority ?? 'medium',
      enabled: onOff(env, `${key}_ENABLED`) ?? o.enabled ?? true,
      timezone: tz,
    };
  });
  for (const k of Object.keys(env)) {
    const m = /^QK_PLAN_(.+)_(CRON|ENABLED)$/.exec(k);
    if (m && !names.some((n) => n.toUpperCase() === m[1]))
      throw new ConfigError(k, `no plan is named ${m[1]?.toLowerCase()}`);
  }
  return plans;
}

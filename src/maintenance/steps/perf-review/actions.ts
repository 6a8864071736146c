import type { StepContext } from '../../step.js';
import type { Finding } from '../../types.js';
import { errorText } from '../shared/measure.js';

export interface ActionApplied {
  readonly action: string;
  readonly detail: string;
}

/**
 * The one optimization these steps apply by themselves: refreshing planner statistics. It changes
 * no data and no setting, only the planner's estimates, so it is safe on a live system at any
 * time. Everything else is a recommendation for a person to weigh.
 */
export async function refreshStatistics(ctx: StepContext, findings: Finding[]): Promise<ActionApplied | null> {
  if (ctx.signal.aborted) {
    findings.push({ severity: 'error', message: 'statistics refresh not done: the step was stopped' });
    return null;
  }
  try {
    const tables = await ctx.store.admin.updateStatistics();
    return {
      action: 'statistics refresh',
      detail: `${ctx.store.kind === 'sqlite' ? 'ANALYZE + PRAGMA optimize' : 'ANALYZE'} on ${tables.length} tables: ${tables.join(', ')}`,
    };
  } catch (e) {
    findings.push({ severity: 'error', message: `statistics refresh failed: ${errorText(e)}` });
    return null;
  }
}

/** The step's error text: its error and critical findings, or null. */
export function errorOf(findings: readonly Finding[]): string | null {
  const errors = findings.filter((f) => f.severity === 'error' || f.severity === 'critical').map((f) => f.message);
  return errors.length === 0 ? null : errors.join('; ');
}

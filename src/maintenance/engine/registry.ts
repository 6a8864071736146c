import { randomBytes } from 'node:crypto';
import { STEP_NAMES, type PlanDefinition, type Priority } from '../../config/index.js';
import { AppError } from '../../errors/index.js';
import type { Step } from '../step.js';

/** The steps this build ships, by name. Plans name steps; the registry turns names into code. */
export type StepRegistry = ReadonlyMap<string, Step>;

/** What one run executes: a whole plan, or one step run by hand under its own name. */
export interface RunTarget {
  readonly plan: string;
  readonly steps: readonly string[];
  readonly priority: Priority;
}

const KNOWN_STEPS: ReadonlySet<string> = new Set(STEP_NAMES);

/**
 * Resolves a plan name, or else a step name, to what a run executes. A step that the config knows
 * but this build lacks still resolves: the run then reports it `skipped` instead of a 404.
 */
export function resolveTarget(plans: readonly PlanDefinition[], registry: StepRegistry, target: string): RunTarget {
  const plan = plans.find((p) => p.name === target);
  if (plan) return { plan: plan.name, steps: plan.steps, priority: plan.priority };
  if (registry.has(target) || KNOWN_STEPS.has(target)) return { plan: target, steps: [target], priority: 'high' };
  throw new AppError('not_found', `no maintenance plan or step is named "${target}"`);
}

/**
 * The steps a stored run was meant to execute, as this node's plans define them: a plan's steps,
 * or the one step a run by hand was named after. Empty for a plan this node does not know.
 */
export function plannedSteps(plans: readonly PlanDefinition[], plan: string): readonly string[] {
  return plans.find((p) => p.name === plan)?.steps ?? (KNOWN_STEPS.has(plan) ? [plan] : []);
}

export function unavailableReason(step: string): string {
  return `step ${step} is not available in this build`;
}

/** Opaque, unguessable and within the contract's id alphabet `[A-Za-z0-9_-]{1,64}`. */
export function newRunId(): string {
  return `run_${randomBytes(12).toString('base64url')}`;
}

export const PRIORITY_RANK: Readonly<Record<Priority, number>> = { high: 0, medium: 1, low: 2 };

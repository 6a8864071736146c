import { Cron } from 'croner';
import type { PlanDefinition } from '../../config/index.js';

/**
 * Slot arithmetic on croner. Six-field expressions are seconds-first. Every node computes the same
 * slots from the same plan, which is what lets the database's unique (plan, slot) key decide.
 */
export function cronOf(plan: PlanDefinition): Cron | null {
  return plan.cron === null ? null : new Cron(plan.cron, { timezone: plan.timezone, paused: true });
}

/** The first slot strictly after `after`. */
export function nextSlot(cron: Cron, after: Date): Date | null {
  const next = cron.nextRun(after);
  return next && next.getTime() > after.getTime() ? next : null;
}

/**
 * Up to `limit` slots after `from` and at or before `until`, oldest first. Null when more than
 * `budget` slots lie in between: croner costs a fraction of a millisecond per slot with a time
 * zone, so a node that was down for a day must not walk every second of it.
 */
function collect(cron: Cron, from: Date, until: Date, limit: number, budget: number): Date[] | null {
  const out: Date[] = [];
  let cur = from;
  for (let i = 0; i <= budget; i++) {
    const next = nextSlot(cron, cur);
    if (!next || next.getTime() > until.getTime()) return out;
    out.push(next);
    if (out.length > limit) out.shift();
    cur = next;
  }
  return null;
}

/**
 * The latest `keep` slots in (after, now], oldest first. Older ones are dropped: they are neither
 * run nor recorded, like a Kubernetes CronJob that only looks back so far.
 */
export function dueSlots(cron: Cron, after: Date, now: Date, keep: number): Date[] {
  const direct = collect(cron, after, now, keep, keep * 4);
  if (direct) return direct;
  // Too many: widen a window back from `now` until it holds `keep` slots.
  let best: Date[] = [];
  for (let windowMs = 1000; now.getTime() - windowMs > after.getTime(); windowMs *= 2) {
    const got = collect(cron, new Date(now.getTime() - windowMs), now, keep, keep * 4);
    if (got === null) break;
    best = got;
    if (got.length >= keep) break;
  }
  return best;
}

/**
 * Glossary
 * - Plan: a named, ordered list of steps with a cron schedule, a time zone, a priority and an
 *   enabled flag (docs/maintenance.md).
 * - Step: one maintenance module, `(context) → StepResult`. Several plans share a step.
 * - Slot: one scheduled time of one plan. Each (plan, slot) starts at most once across all nodes,
 *   claimed through a unique key in the database.
 * - Run: one execution of a plan (or of a single step run by hand), stored as the result document.
 */
export type { Finding, RunDocument, RunTrigger, Severity, StepResult, StepStatus } from '../store/run-document.js';

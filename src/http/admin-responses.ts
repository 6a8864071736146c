import { z } from 'zod';
import { CHECKS, type BackupListItem, type Verification } from '../backup/index.js';
import type { ScheduleEntry } from '../maintenance/engine/index.js';
import type { RunDocument } from '../maintenance/types.js';
import { count, isoTime } from './responses.js';

/** Bodies of the admin routes: keys, maintenance, backups, health (docs/api.md). */

export const keySchema = z.object({
  id: z.string(),
  role: z.string().describe('`admin`, `operator` or `site`'),
  name: z.string(),
  queueId: z.string().nullable().describe('The waiting room of a `site` key; null for the other roles'),
  createdAt: isoTime,
  lastUsedAt: isoTime.nullable(),
});

export const newKeySchema = keySchema
  .extend({ key: z.string().describe('The bearer key; shown only here') })
  .describe('The new key');

const findingSchema = z.object({ severity: z.enum(['info', 'warning', 'error', 'critical']), message: z.string() });

const stepResultSchema = z.object({
  name: z.string(),
  status: z.enum(['succeeded', 'failed', 'warning', 'skipped']),
  durationMs: z.number(),
  figures: z.record(z.string(), z.unknown()).describe('The measured values of the step (docs/maintenance.md)'),
  findings: z.array(findingSchema),
  error: z.string().nullable(),
});

export const runDocumentSchema = z
  .object({
    id: z.string(),
    plan: z.string(),
    trigger: z.enum(['schedule', 'manual', 'catch_up']),
    scheduledFor: isoTime.nullable(),
    startedAt: isoTime,
    endedAt: isoTime.nullable(),
    durationMs: z.number().nullable(),
    status: z.enum(['running', 'succeeded', 'failed', 'interrupted']),
    success: z.boolean().describe('True only when no step failed'),
    measuredNothing: z
      .boolean()
      .describe('True when every step was skipped: the run succeeded but measured nothing, which deserves a look'),
    steps: z.array(stepResultSchema),
  })
  .describe('A maintenance run’s result document') satisfies z.ZodType<RunDocument>;

export const scheduleEntrySchema = z.object({
  name: z.string(),
  cron: z.string().nullable().describe('null: on demand'),
  timezone: z.string(),
  enabled: z.boolean(),
  priority: z.enum(['high', 'medium', 'low']),
  steps: z.array(z.string()).readonly(),
  lastRun: isoTime.nullable(),
  nextRun: isoTime.nullable(),
}) satisfies z.ZodType<ScheduleEntry>;

const backupStatus = z.enum(['Valid', 'Invalid', 'Missing', 'Stale']);
const partSchema = z.object({ status: backupStatus, reason: z.string().nullable() });
const partsSchema = z.object({ database: partSchema, live: partSchema, configuration: partSchema });
const tablesSchema = z.record(z.string(), count).nullable().describe('Row count of every table');

export const backupItemSchema = z
  .object({
    id: z.string(),
    createdAt: isoTime.nullable(),
    sizeBytes: count,
    database: z.enum(['sqlite', 'postgres']).nullable(),
    encrypted: z.boolean().nullable(),
    schemaVersion: z.number().int().nullable(),
    tables: tablesSchema,
    manifestProblem: z.string().nullable().describe('Why the manifest cannot be used; such a backup is Invalid'),
    stale: z.boolean().nullable(),
    lastVerification: z
      .object({
        status: backupStatus,
        reason: z.string().nullable(),
        failedCheck: z.enum(CHECKS).nullable(),
        checkedAt: isoTime,
        parts: partsSchema,
      })
      .nullable(),
  })
  .describe('A backup with its last verification') satisfies z.ZodType<BackupListItem>;

/** `GET /api/backups/:id`: one schema for both states, so that no union is resolved per response. */
export const backupStateSchema = backupItemSchema
  .partial()
  .extend({
    id: z.string(),
    state: z.enum(['creating', 'complete', 'failed']),
    startedAt: isoTime.optional().describe('While creating, or when creation failed'),
    error: z.string().nullable().optional().describe('Why creation failed'),
  })
  .describe('A backup being created (`creating`, `failed`), or a complete one with all its fields');

export const verificationSchema = z
  .object({
    id: z.string().nullable(),
    status: backupStatus,
    reason: z.string().nullable(),
    failedCheck: z.enum(CHECKS).nullable(),
    createdAt: isoTime.nullable(),
    ageMs: z.number().nullable(),
    checkedAt: isoTime,
    durationMs: z.number(),
    restoreMs: z.number().nullable(),
    parts: partsSchema,
    checks: z
      .array(z.object({ name: z.enum(CHECKS), ok: z.boolean(), detail: z.string(), durationMs: z.number() }))
      .readonly(),
    tables: tablesSchema,
  })
  .describe('The verification of one backup') satisfies z.ZodType<Verification>;

const checkSchema = z.object({
  status: z.enum(['ok', 'failed', 'not_configured']),
  latencyMs: z.number().optional(),
  error: z.string().optional(),
});

export const readinessSchema = z.object({
  status: z.string().describe('`ok` or `unavailable`'),
  failed: z.array(z.string()).describe('The dependencies that did not answer'),
  checks: z.record(z.string(), checkSchema),
});

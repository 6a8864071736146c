import { z } from 'zod';
import { STEP_NAMES } from './plans.js';

/**
 * The shape of the optional `QK_CONFIG` file (JSON or YAML). Every field is optional; env wins over
 * the file, and defaults fill the rest. Unknown keys are rejected so that a typo is not ignored.
 */
const planOverride = z
  .object({
    cron: z.string().min(1).nullable().optional(),
    steps: z.array(z.enum(STEP_NAMES)).min(1).optional(),
    priority: z.enum(['high', 'medium', 'low']).optional(),
    enabled: z.boolean().optional(),
    timezone: z.string().min(1).optional(),
  })
  .strict();

const thresholds = z
  .object({
    maxErrorCount: z.number().int().positive(),
    maxAverageResponseMs: z.number().positive(),
    maxP95ResponseMs: z.number().positive(),
    minThroughput: z.number().positive(),
    maxCpuPercent: z.number().min(1).max(100),
    maxMemoryPercent: z.number().min(1).max(100),
    maxDiskPercent: z.number().min(1).max(100),
    securityBurst: z.number().int().positive(),
  })
  .partial()
  .strict();

export const fileConfigSchema = z
  .object({
    port: z.number().int().min(0).max(65535),
    host: z.string().min(1),
    dataDir: z.string().min(1),
    databaseUrl: z.string().min(1),
    redisUrl: z.string().min(1),
    redisKeyPrefix: z.string().regex(/^[A-Za-z0-9:_-]{1,64}$/),
    masterKey: z.string().min(32),
    timezone: z.string().min(1),
    scheduler: z.boolean(),
    joinRateLimit: z.number().int().min(0),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    baseUrl: z.string().url(),
    corsOrigins: z.array(z.string().min(1)),
    trustProxy: z.union([z.boolean(), z.number().int().min(0).max(10), z.array(z.string().min(1)).min(1)]),
    publicUrl: z.string().url(),
    maintenance: z
      .object({
        plans: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,40}$/), planOverride),
        stepTimeoutSeconds: z.number().positive(),
        catchUpDeadlineSeconds: z.number().int().min(0),
        heartbeatSeconds: z.number().positive(),
        runRetentionDays: z.number().int().positive(),
        ticketRetentionDays: z.number().int().positive(),
        sampleRetentionDays: z.number().int().positive(),
        thresholds,
        externalDependencies: z.array(z.string().min(1)),
        alertWebhooks: z.array(z.object({ url: z.string().url(), secret: z.string().min(16) }).strict()),
        probeSeconds: z.number().positive().max(30),
        osvSnapshot: z.string().min(1),
        maxAdminKeys: z.number().int().min(0),
        staleKeyDays: z.number().int().positive(),
      })
      .partial()
      .strict(),
    backup: z
      .object({
        maxAgeHours: z.number().positive(),
        encryptionKey: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (256 bits)'),
        keepDaily: z.number().int().min(0),
        keepWeekly: z.number().int().min(0),
        keepMonthly: z.number().int().min(0),
        rtoTargetSeconds: z.number().positive(),
        rpoTargetSeconds: z.number().positive(),
        pgDumpPath: z.string().min(1),
      })
      .partial()
      .strict(),
    http: z
      .object({
        maxConnections: z.number().int().min(1),
        maxConnectionsPerIp: z.number().int().min(0),
        requestTimeoutMs: z.number().int().min(100).max(600_000),
        requestBudgetMs: z.number().int().min(500).max(600_000),
        tokenGuessLimit: z.number().int().min(0),
        metricsToken: z.string().min(32),
      })
      .partial()
      .strict(),
  })
  .partial()
  .strict();

export type FileConfig = z.infer<typeof fileConfigSchema>;

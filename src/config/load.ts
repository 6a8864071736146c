import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Cron } from 'croner';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors/index.js';
import { intVar, onOff, type Env } from './env-values.js';
import { httpSettings, trustProxy } from './http.js';
import { notificationsConfig } from './notifications.js';
import { resolvePlans } from './resolve-plans.js';
import { fileConfigSchema, type FileConfig } from './schema.js';
import type { Config, DatabaseConfig, Thresholds } from './types.js';

export type { Env };

const DEFAULT_THRESHOLDS: Thresholds = {
  maxErrorCount: 100,
  maxAverageResponseMs: 200,
  maxP95ResponseMs: 1000,
  minThroughput: 1000,
  maxCpuPercent: 80,
  maxMemoryPercent: 80,
  maxDiskPercent: 80,
  securityBurst: 20,
};

/**
 * Reads the environment (and the optional `QK_CONFIG` file) once, validates everything and returns
 * a frozen Config. This is the only place in the product that reads `process.env`.
 */
export function loadConfig(env: Env = process.env): Config {
  const file = readConfigFile(env.QK_CONFIG);
  const port = intVar(env, 'PORT', 0, 65535) ?? file.port ?? 8080;
  const host = env.HOST ?? file.host ?? '127.0.0.1';
  const dataDir = resolve(env.QK_DATA_DIR ?? file.dataDir ?? './data');
  const timezone = env.QK_TIMEZONE ?? file.timezone ?? 'UTC';
  if (!validTimezone(timezone)) throw new ConfigError('QK_TIMEZONE', `unknown IANA time zone "${timezone}"`);

  const masterKey = env.QK_MASTER_KEY ?? file.masterKey ?? null;
  if (masterKey !== null && masterKey.length < 32)
    throw new ConfigError('QK_MASTER_KEY', 'must be at least 32 characters');

  const m = file.maintenance ?? {};
  const b = file.backup ?? {};
  const encryptionHex = env.QK_BACKUP_ENCRYPTION_KEY ?? b.encryptionKey;
  if (encryptionHex !== undefined && !/^[0-9a-fA-F]{64}$/.test(encryptionHex))
    throw new ConfigError('QK_BACKUP_ENCRYPTION_KEY', 'must be 64 hex characters (256 bits)');
  const redisUrl = env.REDIS_URL ?? file.redisUrl;
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl))
    throw new ConfigError('REDIS_URL', 'must start with redis:// or rediss://');
  const redisKeyPrefix = env.QK_REDIS_PREFIX ?? file.redisKeyPrefix ?? 'qk:';
  if (!/^[A-Za-z0-9:_-]{1,64}$/.test(redisKeyPrefix))
    throw new ConfigError('QK_REDIS_PREFIX', 'use 1-64 characters from A-Z a-z 0-9 : _ -');

  const scheduler = onOff(env, 'QK_SCHEDULER') ?? file.scheduler ?? true;
  const probeHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const baseUrl =
    env.QK_BASE_URL ?? file.baseUrl ?? `http://${probeHost.includes(':') ? `[${probeHost}]` : probeHost}:${port}`;
  if (!/^https?:\/\/[^\s]+$/.test(baseUrl)) throw new ConfigError('QK_BASE_URL', 'must be an http(s) URL');
  const publicUrl = (env.QK_PUBLIC_URL ?? file.publicUrl ?? baseUrl).replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(publicUrl))
    throw new ConfigError('QK_PUBLIC_URL', 'must be an http(s) URL');

  const config: Config = {
    port,
    host,
    dataDir,
    logDir: resolve(dataDir, 'logs'),
    tmpDir: resolve(dataDir, 'tmp'),
    database: parseDatabase(env.DATABASE_URL ?? file.databaseUrl, dataDir),
    redis: redisUrl === undefined ? null : { url: redisUrl, keyPrefix: redisKeyPrefix },
    masterKey,
    apiKey: env.QK_API_KEY ?? masterKey,
    configFile: env.QK_CONFIG ?? null,
    timezone,
    scheduler,
    joinRateLimit: intVar(env, 'QK_JOIN_RATE_LIMIT', 0, 1_000_000) ?? file.joinRateLimit ?? 30,
    logLevel: logLevel(env.LOG_LEVEL) ?? file.logLevel ?? 'info',
    baseUrl,
    corsOrigins:
      env.QK_CORS_ORIGINS?.split(',')
        .map((s) => s.trim())
        .filter(Boolean) ??
      file.corsOrigins ??
      [],
    trustProxy: trustProxy(env, file),
    publicUrl,
    notifications: notificationsConfig(env),
    nodeEnv: env.NODE_ENV ?? 'development',
    maintenance: {
      plans: resolvePlans(file.maintenance?.plans ?? {}, env, timezone, validateCron),
      stepTimeoutMs: (m.stepTimeoutSeconds ?? 300) * 1000,
      catchUpDeadlineMs: (m.catchUpDeadlineSeconds ?? 3600) * 1000,
      heartbeatMs: (m.heartbeatSeconds ?? 10) * 1000,
      runRetentionDays: m.runRetentionDays ?? 400,
      ticketRetentionDays: m.ticketRetentionDays ?? 90,
      sampleRetentionDays: m.sampleRetentionDays ?? 400,
      thresholds: { ...DEFAULT_THRESHOLDS, ...m.thresholds },
      externalDependencies: m.externalDependencies ?? [],
      alertWebhooks: m.alertWebhooks ?? [],
      probeMs: (m.probeSeconds ?? 3) * 1000,
      osvSnapshot: m.osvSnapshot === undefined ? null : resolve(m.osvSnapshot),
      maxAdminKeys: m.maxAdminKeys ?? 3,
      staleKeyDays: m.staleKeyDays ?? 90,
    },
    backup: {
      dir: resolve(dataDir, 'backups'),
      maxAgeMs: (b.maxAgeHours ?? 26) * 3_600_000,
      encryptionKey: encryptionHex === undefined ? null : Buffer.from(encryptionHex, 'hex'),
      keepDaily: b.keepDaily ?? 7,
      keepWeekly: b.keepWeekly ?? 4,
      keepMonthly: b.keepMonthly ?? 12,
      rtoTargetMs: (b.rtoTargetSeconds ?? 900) * 1000,
      rpoTargetMs: (b.rpoTargetSeconds ?? 3600) * 1000,
      pgDumpPath: env.QK_PG_DUMP ?? b.pgDumpPath ?? null,
    },
    http: httpSettings(env, file),
  };
  return deepFreeze(config);
}

function readConfigFile(path: string | undefined): FileConfig {
  if (path === undefined || path === '') return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError('QK_CONFIG', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new ConfigError(
      'QK_CONFIG',
      `${path} is not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(e as Error).message}`,
    );
  }
  const parsed = fileConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError('QK_CONFIG', `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export function parseDatabase(url: string | undefined, dataDir: string): DatabaseConfig {
  if (url === undefined || url === '') return { kind: 'sqlite', path: resolve(dataDir, 'queuekeeper.db') };
  if (/^postgres(ql)?:\/\//.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError('DATABASE_URL', 'is not a valid postgres:// URL');
    }
    // `schema` is ours, not libpq's: strip it so the driver never sees it.
    const schema = parsed.searchParams.get('schema') ?? 'public';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
      throw new ConfigError('DATABASE_URL', 'schema must be a lower-case identifier');
    parsed.searchParams.delete('schema');
    return { kind: 'postgres', url: parsed.toString(), schema };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !url.startsWith('sqlite:'))
    throw new ConfigError('DATABASE_URL', 'use postgres://…, sqlite:<path> or a plain file path');
  const path = url.startsWith('sqlite:') ? url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '') : url;
  if (path === '') throw new ConfigError('DATABASE_URL', 'sqlite: needs a file path');
  return { kind: 'sqlite', path: resolve(path) };
}

function logLevel(v: string | undefined): string | undefined {
  if (v === undefined || v === '') return undefined;
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!levels.includes(v)) throw new ConfigError('LOG_LEVEL', `must be one of ${levels.join(', ')}`);
  return v;
}

function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function validateCron(variable: string, expr: string, timezone: string): void {
  const fields = expr.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) throw new ConfigError(variable, `cron "${expr}" must have 5 or 6 fields`);
  try {
    new Cron(expr, { timezone, paused: true });
  } catch (e) {
    throw new ConfigError(variable, `invalid cron "${expr}": ${(e as Error).message}`);
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

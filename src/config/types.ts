import type { NotificationsConfig } from './notifications.js';
import type { PlanDefinition } from './plans.js';

export type DatabaseConfig =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string };

export interface Thresholds {
  readonly maxErrorCount: number;
  readonly maxAverageResponseMs: number;
  readonly maxP95ResponseMs: number;
  readonly minThroughput: number;
  readonly maxCpuPercent: number;
  readonly maxMemoryPercent: number;
  readonly maxDiskPercent: number;
  /** 401/403/429 responses from one IP within a minute that count as a burst. */
  readonly securityBurst: number;
}

export interface WebhookConfig {
  readonly url: string;
  readonly secret: string;
}

export interface MaintenanceConfig {
  readonly plans: readonly PlanDefinition[];
  readonly stepTimeoutMs: number;
  readonly catchUpDeadlineMs: number;
  readonly heartbeatMs: number;
  readonly runRetentionDays: number;
  readonly ticketRetentionDays: number;
  readonly sampleRetentionDays: number;
  readonly thresholds: Thresholds;
  readonly externalDependencies: readonly string[];
  readonly alertWebhooks: readonly WebhookConfig[];
  readonly probeMs: number;
  /** A local OSV advisory snapshot to match package-lock.json against when the registry cannot. */
  readonly osvSnapshot: string | null;
  readonly maxAdminKeys: number;
  readonly staleKeyDays: number;
}

interface BackupConfig {
  readonly dir: string;
  readonly maxAgeMs: number;
  readonly encryptionKey: Buffer | null;
  readonly keepDaily: number;
  readonly keepWeekly: number;
  readonly keepMonthly: number;
  readonly rtoTargetMs: number;
  readonly rpoTargetMs: number;
  readonly pgDumpPath: string | null;
}

/** The resolved, validated and frozen configuration. Nothing else reads the environment. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly logDir: string;
  readonly tmpDir: string;
  readonly database: DatabaseConfig;
  readonly redis: { readonly url: string; readonly keyPrefix: string } | null;
  readonly masterKey: string | null;
  /** Key the CLI uses to talk to a running server (QK_API_KEY, else the master key). */
  readonly apiKey: string | null;
  readonly configFile: string | null;
  readonly timezone: string;
  readonly scheduler: boolean;
  readonly joinRateLimit: number;
  readonly logLevel: string;
  readonly baseUrl: string;
  readonly corsOrigins: readonly string[];
  readonly trustProxy: TrustProxy;
  readonly nodeEnv: string;
  readonly maintenance: MaintenanceConfig;
  readonly backup: BackupConfig;
  /** The address customers reach: QR codes and links point here (QK_PUBLIC_URL, else the base URL). */
  readonly publicUrl: string;
  readonly http: HttpConfig;
  readonly notifications: NotificationsConfig;
}

/** `false`: no proxy; a number: that many proxies in front; a list: the proxies' addresses or ranges. */
export type TrustProxy = false | number | readonly string[];

export interface HttpConfig {
  /** Open connections a node accepts in all; more are closed at once. */
  readonly maxConnections: number;
  /** Open connections from one peer address (0 = no cap); not applied behind a trusted proxy. */
  readonly maxConnectionsPerIp: number;
  /** A request (headers and body) must arrive within this many ms, else 408. */
  readonly requestTimeoutMs: number;
  /** The most a reading request may take once it arrived, its dependency calls included (src/http/request-budget.ts). */
  readonly requestBudgetMs: number;
  /** Wrong ticket tokens one client IP may send per minute before 429 (0 = no limit). */
  readonly tokenGuessLimit: number;
  /** A bearer token that may read /metrics only (besides admin and operator keys). */
  readonly metrics: { readonly token: string | null };
}

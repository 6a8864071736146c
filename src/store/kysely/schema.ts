import type { Generated } from 'kysely';

/**
 * Table shapes shared by SQLite and PostgreSQL. Times are epoch milliseconds and JSON is text, so
 * one set of queries serves both dialects.
 */
export interface QueuesTable {
  id: string;
  name: string;
  mode: string;
  status: string;
  capacity: number | null;
  settings: string;
  waiting_count: number;
  /** Waiting tickets of high priority, kept with `waiting_count`: positions at commit come from both. */
  waiting_high: Generated<number>;
  last_number: number;
  last_seq: number;
  service_ewma: number | null;
  service_var: number | null;
  last_completed_at: number | null;
  eta_scale: Generated<number | null>;
  eta_window: Generated<string | null>;
  /** Numbering cycles so far; tickets are numbered uniquely within one (src/domain/numbering.ts). */
  number_epoch: Generated<number>;
  /** When the current cycle ends (epoch ms); null for continuous numbering. */
  number_resets_at: Generated<number | null>;
  /** Changes with every change of the webhooks: see hook-sets.ts. */
  hooks_tag: Generated<string | null>;
  created_at: number;
  updated_at: number;
  closed_at: number | null;
}

export interface TicketsTable {
  id: string;
  queue_id: string;
  number: number;
  status: string;
  /** 0 = high, 1 = normal, so that ascending order is the calling order. */
  priority: number;
  seq: number;
  token_hash: string;
  name: string | null;
  contact: string | null;
  metadata: string | null;
  counter: string | null;
  created_at: number;
  called_at: number | null;
  ended_at: number | null;
  updated_at: number;
  /** The range quoted at join, in seconds. */
  eta_low: Generated<number | null>;
  eta_high: Generated<number | null>;
  /** Waiting rooms: when the admitted session ends. */
  admitted_until: Generated<number | null>;
  /** Waiting rooms: the last status read or event stream of a waiting visitor. */
  seen_at: Generated<number | null>;
  /** The queue's numbering cycle this ticket's number belongs to. */
  number_epoch: Generated<number>;
  /** The language the customer joined in (en, es, ar); emails are written in it. */
  lang: Generated<string | null>;
  /** How many times a called ticket was announced again, and the last time. */
  recalls: Generated<number>;
  recalled_at: Generated<number | null>;
}

interface IdempotencyKeysTable {
  queue_id: string;
  key: string;
  ticket_id: string;
  sealed_token: string | null;
  created_at: number;
  expires_at: number;
}

export interface ApiKeysTable {
  id: string;
  role: string;
  name: string;
  key_hash: string;
  created_at: number;
  last_used_at: number | null;
  queue_id: string | null;
}

interface MetaTable {
  key: string;
  value: string;
}

interface ScheduledTasksTable {
  name: string;
  type: string;
  schedule: string | null;
  timezone: string;
  priority: string;
  enabled: number;
  created_at: number;
  last_run: number | null;
  next_run: number | null;
}

interface MaintenanceSlotsTable {
  plan: string;
  slot: number;
  outcome: string;
  run_id: string | null;
  node_id: string;
  claimed_at: number;
}

interface MaintenanceRunsTable {
  id: string;
  plan: string;
  trigger: string;
  scheduled_for: number | null;
  started_at: number;
  ended_at: number | null;
  status: string;
  success: number;
  document: string;
  node_id: string;
  heartbeat_at: number;
}

interface MetricSamplesTable {
  id: Generated<number>;
  node_id: string;
  at: number;
  requests: number;
  errors: number;
  avg_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  cpu_percent: number;
  memory_percent: number;
  loop_lag_p99_ms: number;
  waiting_total: number;
  routes: string;
}

interface DailyAggregatesTable {
  day: string;
  queue_id: string;
  joined: number;
  served: number;
  no_show: number;
  left_count: number;
  expired: number;
  admitted: number;
  wait_seconds_sum: number;
  wait_count: number;
  service_seconds_sum: number;
  service_count: number;
}

/** A waiting room's admission bucket and its random draw. */
export interface WaitingRoomsTable {
  queue_id: string;
  /** The earliest time the next visitor may be admitted. */
  next_admit_at: number | null;
  sealed_seed: string | null;
  commitment: string | null;
  /** Published once the draw is made. */
  seed: string | null;
  drawn_at: number | null;
  drawn_count: number | null;
}

/** A draw's order as made: `rank` 0 is admitted first (high priority before normal). */
export interface DrawEntriesTable {
  queue_id: string;
  rank: number;
  ticket_id: string;
  priority: number;
}

/** ES256 keys that sign passes; the private half sealed with the node's seal key. */
export interface SigningKeysTable {
  kid: string;
  generation: number;
  seal_id: string;
  public_jwk: string;
  sealed_private: string;
  created_at: number;
  retires_at: number;
  published_until: number;
}

export interface WebhooksTable {
  id: string;
  url: string;
  /** JSON array of event types. */
  events: string;
  /**
   * `whsec_` and the base64 key, sealed (AES-256-GCM) under the seal key, so that neither the
   * database nor a backup holds it in clear; empty for the email channel, which signs nothing.
   */
  sealed_secret: string;
  include_contact: number;
  created_at: number;
}

/** The outbox: one row per event and subscribed webhook, written in the change's transaction. */
export interface WebhookDeliveriesTable {
  id: Generated<number>;
  webhook_id: string;
  ticket_id: string;
  queue_id: string;
  type: string;
  /** JSON of the ticket's public fields at the event. */
  data: string;
  occurred_at: number;
  /** `pending` until `delivered`, or `failed` once the retries ran out. */
  status: Generated<string>;
  attempts: Generated<number>;
  next_attempt_at: number;
  /** A node sending this row holds it until then; another node may take it over after. */
  lease_until: Generated<number>;
  lease_owner: string | null;
  response_status: number | null;
  error: string | null;
  latency_ms: number | null;
  last_attempt_at: number | null;
  delivered_at: number | null;
}

export interface DB {
  queues: QueuesTable;
  tickets: TicketsTable;
  idempotency_keys: IdempotencyKeysTable;
  api_keys: ApiKeysTable;
  meta: MetaTable;
  scheduled_tasks: ScheduledTasksTable;
  maintenance_slots: MaintenanceSlotsTable;
  maintenance_runs: MaintenanceRunsTable;
  metric_samples: MetricSamplesTable;
  daily_aggregates: DailyAggregatesTable;
  waiting_rooms: WaitingRoomsTable;
  draw_entries: DrawEntriesTable;
  signing_keys: SigningKeysTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
}

export const OUR_TABLES = [
  'queues',
  'tickets',
  'idempotency_keys',
  'api_keys',
  'meta',
  'scheduled_tasks',
  'maintenance_slots',
  'maintenance_runs',
  'metric_samples',
  'daily_aggregates',
  'waiting_rooms',
  'draw_entries',
  'signing_keys',
  'webhooks',
  'webhook_deliveries',
] as const satisfies readonly (keyof DB)[];

import type { Selectable } from 'kysely';
import {
  DEFAULT_QUEUE_SETTINGS,
  type ApiKeyRecord,
  type KeyRole,
  type Queue,
  type QueueMode,
  type QueueSettings,
  type QueueStatus,
  type TicketPriority,
  type TicketRecord,
  type TicketStatus,
} from '../../domain/types.js';
import type { ApiKeysTable, QueuesTable, TicketsTable } from './schema.js';

const date = (ms: number | string | null): Date | null => (ms === null ? null : new Date(Number(ms)));

export const priorityRank = (p: TicketPriority): number => (p === 'high' ? 0 : 1);
/** Ranks in calling order. */
export const PRIORITY_RANKS = [0, 1] as const;
export const priorityName = (rank: number): TicketPriority => (rank === 0 ? 'high' : 'normal');

export function toQueue(r: Selectable<QueuesTable>): Queue {
  return {
    id: r.id,
    name: r.name,
    mode: r.mode as QueueMode,
    status: r.status as QueueStatus,
    capacity: r.capacity === null ? null : Number(r.capacity),
    settings: { ...DEFAULT_QUEUE_SETTINGS, ...(JSON.parse(r.settings) as Partial<QueueSettings>) },
    waitingCount: Number(r.waiting_count),
    serviceSecondsEwma: r.service_ewma === null ? null : Number(r.service_ewma),
    serviceSecondsVariance: r.service_var === null ? null : Number(r.service_var),
    etaScale: r.eta_scale === null || r.eta_scale === undefined ? null : Number(r.eta_scale),
    etaWindow: r.eta_window ?? null,
    createdAt: new Date(Number(r.created_at)),
    updatedAt: new Date(Number(r.updated_at)),
    closedAt: date(r.closed_at),
  };
}

export function toTicket(r: Selectable<TicketsTable>): TicketRecord {
  return {
    id: r.id,
    queueId: r.queue_id,
    number: Number(r.number),
    status: r.status as TicketStatus,
    priority: priorityName(Number(r.priority)),
    seq: Number(r.seq),
    tokenHash: r.token_hash,
    name: r.name,
    contact: r.contact,
    metadata: r.metadata === null ? null : (JSON.parse(r.metadata) as Record<string, unknown>),
    counter: r.counter,
    createdAt: new Date(Number(r.created_at)),
    calledAt: date(r.called_at),
    endedAt: date(r.ended_at),
    updatedAt: new Date(Number(r.updated_at)),
    etaAtJoin:
      r.eta_low === null || r.eta_low === undefined || r.eta_high === null || r.eta_high === undefined
        ? null
        : { lowSeconds: Number(r.eta_low), highSeconds: Number(r.eta_high) },
    admittedUntil: date(r.admitted_until ?? null),
    seenAt: date(r.seen_at ?? null),
    recalls: Number(r.recalls ?? 0),
    recalledAt: date(r.recalled_at ?? null),
  };
}

export function toKey(r: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: r.id,
    role: r.role as KeyRole,
    name: r.name,
    keyHash: r.key_hash,
    queueId: r.queue_id ?? null,
    createdAt: new Date(Number(r.created_at)),
    lastUsedAt: date(r.last_used_at),
  };
}

/** Opaque cursors: base64url of the last sort key, so clients cannot depend on their content. */
export const encodeCursor = (parts: (string | number)[]): string =>
  Buffer.from(JSON.stringify(parts)).toString('base64url');

/**
 * What each part of a cursor may hold. Cursors come back from clients, so a forged one must be
 * refused here: PostgreSQL would answer a wrong type or an out-of-range number with an error.
 */
export const CURSOR_PARTS = {
  rank: (v: unknown): boolean => (PRIORITY_RANKS as readonly unknown[]).includes(v),
  count: (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0,
  id: (v: unknown): boolean => typeof v === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(v),
} as const;

export function decodeCursor(cursor: string, parts: readonly ((v: unknown) => boolean)[]): (string | number)[] | null {
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(decoded) && decoded.length === parts.length && decoded.every((v, i) => parts[i]?.(v)))
      return decoded as (string | number)[];
  } catch {
    /* fall through: an unreadable cursor is reported by the caller */
  }
  return null;
}

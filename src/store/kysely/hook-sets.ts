import { randomBytes } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { DB, QueuesTable, WebhooksTable } from './schema.js';

/** What the outbox needs of a webhook to know whether an event is for it. */
export type HookRow = Pick<Selectable<WebhooksTable>, 'id' | 'events'>;

/**
 * The webhooks per queue as last read, with the queue's tag at that moment. Every change of the
 * webhooks gives every queue a new random tag in the same transaction, so an entry whose tag is
 * still the queue's holds exactly the webhooks a change of that queue must write events for. A
 * tag is a function of the database's history, so one map serves every store in the process.
 */
const sets = new Map<string, { readonly tag: string; readonly hooks: readonly HookRow[] }>();
/** Past this many queues the map starts over rather than grow without end. */
const MAX_QUEUES = 50_000;

export const newHooksTag = (): string => randomBytes(16).toString('hex');

/**
 * The webhooks a change of queue `q` must write events for. `q` is the row the change's
 * transaction read under the queue's lock, so its tag is current: the webhooks table is read (in
 * the same transaction) only when the webhooks changed since this node last read them.
 */
export async function hooksFor(
  trx: Kysely<DB>,
  q: Pick<Selectable<QueuesTable>, 'id' | 'hooks_tag'>,
): Promise<readonly HookRow[]> {
  const tag = q.hooks_tag;
  const hit = sets.get(q.id);
  if (tag !== null && hit?.tag === tag) return hit.hooks;
  const hooks = await trx.selectFrom('webhooks').select(['id', 'events']).execute();
  if (tag !== null) {
    if (sets.size >= MAX_QUEUES) sets.clear();
    sets.set(q.id, { tag, hooks });
  }
  return hooks;
}

/**
 * Runs a change of the webhooks in one transaction that first holds every queue writer off
 * (PostgreSQL's table lock; SQLite has a single writer already), then moves every queue's tag
 * when `fn` says it changed something. A change of a queue is thus wholly before (and writes
 * events for the old webhooks) or wholly after (reads the new ones): none is lost in between.
 */
export async function changeHooks<T>(
  db: Kysely<DB>,
  kind: 'sqlite' | 'postgres',
  fn: (trx: Kysely<DB>) => Promise<{ result: T; changed: boolean }>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    if (kind === 'postgres') await sql`LOCK TABLE queues IN SHARE ROW EXCLUSIVE MODE`.execute(trx);
    const { result, changed } = await fn(trx);
    if (changed) await trx.updateTable('queues').set({ hooks_tag: newHooksTag() }).execute();
    return result;
  });
}

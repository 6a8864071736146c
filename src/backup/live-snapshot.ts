import { z } from 'zod';
import type { LiveBackend } from '../live/contract.js';
import type { Store } from '../store/contract.js';
import { isoTime } from './manifest.js';

/**
 * The live-state snapshot: each queue's waiting order as the live index (memory or Redis) held it.
 *
 * The index is written after the database commits, so no instant exists at which the two agree
 * under traffic. The snapshot is therefore taken just before the dump, and `verify` accepts a
 * difference only for a ticket the restored database shows as changed from shortly before the
 * snapshot on (joined, called, left or requeued while the backup ran). Any other difference is
 * drift between the index and the database, which is what this check is for.
 */
const IN_FLIGHT_SLACK_MS = 30_000;
/** Past this many differences the snapshot is not worth explaining one ticket at a time. */
const MAX_DIFFERENCES = 10_000;

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const id = z.string().regex(ID);
/** One check over the whole list: a snapshot may hold millions of ids. */
const ticketIds = z.custom<string[]>(
  (v) => Array.isArray(v) && v.every((x) => typeof x === 'string' && ID.test(x)),
  'must be a list of ticket ids',
);
const count = z.number().int().min(0);

export const liveSnapshotSchema = z
  .object({
    format: z.literal(1),
    backend: z.enum(['memory', 'redis']),
    takenAt: isoTime,
    queues: z.array(z.object({ queueId: id, tickets: ticketIds }).strict()),
    counters: z.object({ queues: count, entries: count, indexBytes: count.nullable() }).strict(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const entries = s.queues.reduce((n, q) => n + q.tickets.length, 0);
    if (entries !== s.counters.entries)
      ctx.addIssue({
        code: 'custom',
        path: ['counters', 'entries'],
        message: `says ${s.counters.entries}, the queues hold ${entries}`,
      });
    if (s.queues.length !== s.counters.queues)
      ctx.addIssue({
        code: 'custom',
        path: ['counters', 'queues'],
        message: `says ${s.counters.queues}, the snapshot has ${s.queues.length}`,
      });
    if (new Set(s.queues.map((q) => q.queueId)).size !== s.queues.length)
      ctx.addIssue({ code: 'custom', path: ['queues'], message: 'a queue appears twice' });
  });

export type LiveSnapshot = z.infer<typeof liveSnapshotSchema>;

export async function takeLiveSnapshot(live: LiveBackend, at: () => Date): Promise<LiveSnapshot> {
  const takenAt = at().toISOString();
  const order = await live.index.snapshot();
  const stats = await live.index.stats();
  const queues = [...order].map(([queueId, tickets]) => ({ queueId, tickets }));
  const entries = queues.reduce((n, q) => n + q.tickets.length, 0);
  return {
    format: 1,
    backend: live.kind,
    takenAt,
    queues,
    counters: { queues: queues.length, entries, indexBytes: stats.bytes },
  };
}

export interface LiveComparison {
  readonly ok: boolean;
  readonly detail: string;
  /** Tickets found in both, in the same relative order. */
  readonly matched: number;
  /** Differences explained by changes made while the backup ran. */
  readonly explained: number;
}

/** Compares a snapshot with the waiting order of a restored database, queue by queue. */
export async function compareWithRestored(snap: LiveSnapshot, restored: Store): Promise<LiveComparison> {
  const since = Date.parse(snap.takenAt) - IN_FLIGHT_SLACK_MS;
  const fromIndex = new Map(snap.queues.map((q) => [q.queueId, q.tickets]));
  let matched = 0;
  let explained = 0;
  let differences = 0;
  const known = new Map<string, boolean>();
  const changedLately = async (queueId: string, ticketId: string): Promise<boolean> => {
    const seen = known.get(ticketId);
    if (seen !== undefined) return seen;
    if (++differences > MAX_DIFFERENCES) throw new Error(`more than ${MAX_DIFFERENCES} tickets differ`);
    const t = await restored.getTicket(ticketId);
    // A ticket the database lacks altogether is explained only by its queue's deletion.
    const ok = t === null ? (await restored.getQueue(queueId)) === null : t.updatedAt.getTime() >= since;
    known.set(ticketId, ok);
    if (ok) explained++;
    return ok;
  };
  let queues = 0;
  try {
    // Queue by queue: a million waiting tickets read at once cost twice the memory and more time.
    for (const queueId of new Set([...(await restored.listQueues()).map((q) => q.id), ...fromIndex.keys()])) {
      const want = ((await restored.waitingEntries(queueId)).get(queueId) ?? []).map((e) => e.ticketId);
      if (want.length > 0) queues++;
      const have = fromIndex.get(queueId) ?? [];
      // Walk both orders together; a ticket out of step must have changed during the backup.
      const skip = new Set<string>();
      let i = 0;
      let j = 0;
      while (i < want.length || j < have.length) {
        const a = want[i];
        const b = have[j];
        if (a !== undefined && skip.has(a)) i++;
        else if (b !== undefined && skip.has(b)) j++;
        else if (a !== undefined && a === b) {
          matched++;
          i++;
          j++;
        } else if (a !== undefined && (await changedLately(queueId, a))) skip.add(a);
        else if (b !== undefined && (await changedLately(queueId, b))) skip.add(b);
        else {
          const where =
            a === undefined
              ? `ticket ${b} is in the snapshot only`
              : b === undefined
                ? `ticket ${a} is in the database only`
                : `database has ${a} where the snapshot has ${b}`;
          return { ok: false, detail: `queue ${queueId} differs at position ${i + 1}: ${where}`, matched, explained };
        }
      }
    }
  } catch (e) {
    return {
      ok: false,
      detail: `live snapshot differs from the database: ${(e as Error).message}`,
      matched,
      explained,
    };
  }
  const note = explained > 0 ? `; ${explained} differences made by changes during the backup` : '';
  return {
    ok: true,
    detail: `${matched} waiting tickets in ${queues} queues match the database${note}`,
    matched,
    explained,
  };
}

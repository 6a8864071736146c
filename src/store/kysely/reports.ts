import type { Kysely } from 'kysely';
import type { TicketFact } from '../../domain/stats.js';
import type { TicketStatus } from '../../domain/types.js';
import type { DB } from './schema.js';

/** Tickets of a queue that joined, were called or ended inside [from, to), for reports. */
export async function ticketFacts(db: Kysely<DB>, queueId: string, from: number, to: number): Promise<TicketFact[]> {
  const rows = await db
    .selectFrom('tickets')
    .select(['status', 'created_at', 'called_at', 'ended_at', 'eta_low', 'eta_high'])
    .where('queue_id', '=', queueId)
    .where((eb) =>
      eb.or([
        eb.and([eb('created_at', '>=', from), eb('created_at', '<', to)]),
        eb.and([eb('called_at', '>=', from), eb('called_at', '<', to)]),
        eb.and([eb('ended_at', '>=', from), eb('ended_at', '<', to)]),
      ]),
    )
    .execute();
  const n = (v: number | string | null | undefined): number | null =>
    v === null || v === undefined ? null : Number(v);
  return rows.map((r) => ({
    status: r.status as TicketStatus,
    createdAt: Number(r.created_at),
    calledAt: n(r.called_at),
    endedAt: n(r.ended_at),
    etaLow: n(r.eta_low),
    etaHigh: n(r.eta_high),
  }));
}

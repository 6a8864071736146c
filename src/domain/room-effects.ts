import type { LiveIndex } from '../live/contract.js';
import type { ServiceObserver } from './service-types.js';
import type { TicketRecord, TicketStatus, WaitingEntry } from './types.js';
import type { RoomEffects } from './waiting-rooms.js';

/**
 * What follows a waiting room's committed change, as the queue service does for its own: the live
 * index follows (a failed write marks the queue for reconciliation, never fails the change that
 * already committed) and observers hear of every ticket.
 */
export function roomEffects(
  index: LiveIndex,
  observer: ServiceObserver,
  onIndexMiss: (queueId: string, cause?: unknown) => void,
): RoomEffects {
  const write = async (queueId: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (e) {
      onIndexMiss(queueId, e);
    }
  };
  return {
    async settled(tickets: readonly TicketRecord[], from: TicketStatus) {
      const byQueue = new Map<string, string[]>();
      for (const t of tickets) byQueue.set(t.queueId, [...(byQueue.get(t.queueId) ?? []), t.id]);
      for (const [queueId, ids] of byQueue) await write(queueId, () => index.remove(queueId, ids));
      for (const t of tickets) observer.changed(t, from);
    },
    // A draw gave these tickets new places: the index takes them again with their new seqs.
    async reorder(queueId: string, entries: readonly WaitingEntry[]) {
      await write(queueId, async () => {
        await index.remove(
          queueId,
          entries.map((e) => e.ticketId),
        );
        await index.add(queueId, entries);
      });
    },
  };
}

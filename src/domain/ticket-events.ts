import type { QueueService } from './queue-service.js';
import type { TicketView } from './views.js';
import type { Bus } from '../live/contract.js';

type Listener = (view: TicketView) => void;

interface Watch {
  readonly ticketId: string;
  readonly listener: Listener;
  last: string;
}

export const queueChannel = (queueId: string): string => `q:${queueId}`;
const channel = queueChannel;

/**
 * Live updates for Server-Sent Events. Every change is published on the bus (Redis pub/sub across
 * nodes); each node listens once per queue that has local subscribers and, coalescing bursts,
 * recomputes its subscribers' views, sending only those that changed.
 */
export class TicketEvents {
  private readonly queues = new Map<
    string,
    { watches: Set<Watch>; unsubscribe: Promise<() => Promise<void>>; scheduled: boolean }
  >();
  private readonly toPublish = new Set<string>();

  constructor(
    private readonly bus: Bus,
    private readonly service: QueueService,
    private readonly onError: (e: unknown) => void,
  ) {}

  /**
   * Listeners only learn that a queue changed and then recompute their views, so the changes of
   * one turn of the event loop (a join batch of hundreds) go out as one message per queue.
   */
  publish(queueId: string): void {
    if (this.toPublish.has(queueId)) return;
    this.toPublish.add(queueId);
    setImmediate(() => {
      this.toPublish.delete(queueId);
      this.bus.publish(channel(queueId), 'changed').catch(this.onError);
    });
  }

  /** Starts watching; returns a function that stops. The first view is sent at once. */
  watch(queueId: string, first: TicketView, listener: Listener): () => void {
    let q = this.queues.get(queueId);
    if (!q) {
      const entry = {
        watches: new Set<Watch>(),
        unsubscribe: this.bus.subscribe(channel(queueId), () => this.schedule(queueId)),
        scheduled: false,
      };
      entry.unsubscribe.catch(this.onError);
      this.queues.set(queueId, entry);
      q = entry;
    }
    const w: Watch = { ticketId: first.id, listener, last: key(first) };
    q.watches.add(w);
    listener(first);
    return () => {
      const cur = this.queues.get(queueId);
      if (!cur) return;
      cur.watches.delete(w);
      if (cur.watches.size === 0) {
        this.queues.delete(queueId);
        void cur.unsubscribe.then((off) => off()).catch(this.onError);
      }
    };
  }

  get subscribers(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.watches.size;
    return n;
  }

  private schedule(queueId: string): void {
    const q = this.queues.get(queueId);
    if (!q || q.scheduled) return;
    q.scheduled = true;
    setTimeout(() => {
      q.scheduled = false;
      void this.refresh(queueId);
    }, 25).unref();
  }

  private async refresh(queueId: string): Promise<void> {
    const q = this.queues.get(queueId);
    if (!q) return;
    for (const w of [...q.watches]) {
      try {
        const customer = await this.service.watchedTicket(w.ticketId);
        const k = key(customer);
        if (k !== w.last) {
          w.last = k;
          w.listener(customer);
        }
      } catch (e) {
        this.onError(e);
      }
    }
  }
}

const key = (v: TicketView): string =>
  `${v.status}|${v.position}|${v.eta?.lowSeconds}|${v.eta?.highSeconds}|${v.counter}`;

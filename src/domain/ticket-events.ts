import { isAppError } from '../errors/index.js';
import type { QueueService } from './queue-service.js';
import type { TicketStatus } from './types.js';
import type { TicketView } from './views.js';
import type { Bus } from '../live/contract.js';

type Listener = (view: TicketView) => void;

/** Why a ticket's stream ended: the ticket reached an end, or its queue (and so the ticket) is gone. */
export type StreamEnd = 'served' | 'left' | 'expired' | 'deleted';

const ENDS: Partial<Record<TicketStatus, StreamEnd>> = { served: 'served', left: 'left', expired: 'expired' };

/** The reason a stream ends with this view, or null while the ticket can still change. */
const streamEnd = (view: TicketView): StreamEnd | null => ENDS[view.status] ?? null;

interface Watch {
  readonly ticketId: string;
  readonly listener: Listener;
  readonly end: (reason: StreamEnd) => void;
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
  private readonly perTicket = new Map<string, number>();

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

  /** Streams this node has open for a ticket. */
  streamsOf(ticketId: string): number {
    return this.perTicket.get(ticketId) ?? 0;
  }

  /**
   * Starts watching; returns a function that stops. The first view is sent at once. `end` is
   * called once when the ticket is served, leaves, expires or is deleted; the watch stops itself.
   */
  watch(queueId: string, first: TicketView, listener: Listener, end: (reason: StreamEnd) => void): () => void {
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
    let stopped = false;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      const n = this.streamsOf(w.ticketId) - 1;
      if (n > 0) this.perTicket.set(w.ticketId, n);
      else this.perTicket.delete(w.ticketId);
      const cur = this.queues.get(queueId);
      if (!cur) return;
      cur.watches.delete(w);
      if (cur.watches.size === 0) {
        this.queues.delete(queueId);
        void cur.unsubscribe.then((off) => off()).catch(this.onError);
      }
    };
    const w: Watch = {
      ticketId: first.id,
      listener,
      end: (reason) => {
        stop();
        end(reason);
      },
      last: key(first),
    };
    q.watches.add(w);
    this.perTicket.set(w.ticketId, this.streamsOf(w.ticketId) + 1);
    listener(first);
    const over = streamEnd(first);
    if (over) w.end(over);
    return stop;
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
        const over = streamEnd(customer);
        if (over) w.end(over);
      } catch (e) {
        if (isAppError(e) && e.code === 'not_found') w.end('deleted');
        else this.onError(e);
      }
    }
  }
}

const key = (v: TicketView): string =>
  `${v.status}|${v.position}|${v.eta?.lowSeconds}|${v.eta?.highSeconds}|${v.counter}`;

import type { Bus, LiveIndex } from '../live/contract.js';
import { decodeNote, encodeNote, noteOf, type TicketNote } from './live-notes.js';
import type { QueueService } from './queue-service.js';
import { QueueWatch, streamEnd, type PassReport, type StreamEnd, type Watch } from './queue-watch.js';
import { ShownView } from './shown-view.js';
import type { TicketRecord, TicketStatus } from './types.js';
import type { TicketView } from './views.js';

export type { StreamEnd } from './queue-watch.js';

/** Even with no message (one lost without a trace), every watched queue is checked this often. */
const RESYNC_MS = 15_000;

const queueChannel = (queueId: string): string => `q:${queueId}`;

/**
 * Live updates for Server-Sent Events. A change is published on the bus (Redis pub/sub across
 * nodes) with the tickets it moved; each node listens once per queue that has local watchers and
 * updates them all in one pass (src/domain/queue-watch.ts), sending only the views that changed.
 */
export class TicketEvents {
  private readonly queues = new Map<string, QueueWatch>();
  private readonly outgoing = new Map<string, { notes: Map<string, TicketNote>; reread: boolean }>();
  private readonly seqs = new Map<string, number>();
  private readonly perTicket = new Map<string, number>();
  private readonly resyncTimer: NodeJS.Timeout;
  private readonly offGap: () => void;

  constructor(
    private readonly bus: Bus,
    private readonly index: LiveIndex,
    private readonly service: QueueService,
    private readonly nodeId: string,
    private readonly onError: (e: unknown) => void,
  ) {
    this.resyncTimer = setInterval(() => this.checkAll(), RESYNC_MS).unref();
    this.offGap = bus.onGap(() => {
      for (const q of this.queues.values()) q.resync();
    });
  }

  /** The periodic check: a pass over every watched queue, whether or not a change was heard. */
  checkAll(): void {
    for (const q of this.queues.values()) q.schedule();
  }

  /** A ticket moved: its note goes out with the others of this turn of the event loop. */
  changed(t: TicketRecord, from: TicketStatus | null): void {
    // A new ticket has no watcher yet: its join moves the others, which the pass reads from the order.
    const note = from === null ? null : noteOf(t);
    this.enqueue(t.queueId, note, false);
  }

  /**
   * A change the notes cannot describe (a queue deleted, tickets changed behind the service's
   * back): every node reads its watched tickets of the queue again, from the database.
   */
  publish(queueId: string): void {
    this.enqueue(queueId, null, true);
  }

  private enqueue(queueId: string, note: TicketNote | null, reread: boolean): void {
    let out = this.outgoing.get(queueId);
    if (!out) {
      out = { notes: new Map(), reread: false };
      this.outgoing.set(queueId, out);
      setImmediate(() => this.flush(queueId));
    }
    if (note) out.notes.set(note.id, note);
    if (reread) out.reread = true;
  }

  private flush(queueId: string): void {
    const out = this.outgoing.get(queueId);
    this.outgoing.delete(queueId);
    const seq = (this.seqs.get(queueId) ?? 0) + 1;
    this.seqs.set(queueId, seq);
    const tickets = [...(out?.notes.values() ?? [])];
    const message = encodeNote({ node: this.nodeId, seq, tickets, ...(out?.reread ? { reread: true } : {}) });
    this.bus.publish(queueChannel(queueId), message).catch(this.onError);
  }

  /** Streams this node has open (or is opening) for a ticket. */
  streamsOf(ticketId: string): number {
    return this.perTicket.get(ticketId) ?? 0;
  }

  /**
   * Takes one of a ticket's `cap` stream slots, or returns null when all are taken. Check and take
   * happen together, so concurrent requests cannot both pass the check; the returned function gives
   * the slot back (once, however often it is called).
   */
  reserve(ticketId: string, cap: number): (() => void) | null {
    const n = this.streamsOf(ticketId);
    if (n >= cap) return null;
    this.perTicket.set(ticketId, n + 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const left = this.streamsOf(ticketId) - 1;
      if (left > 0) this.perTicket.set(ticketId, left);
      else this.perTicket.delete(ticketId);
    };
  }

  /**
   * Starts watching; returns a function that stops. The first view is sent at once. `send` gets the
   * view with its JSON, built once per pass for all of the ticket's streams. `end` is called once
   * when the ticket is served, leaves, expires or is deleted; the watch stops itself.
   */
  watch(queueId: string, first: TicketView, send: (v: ShownView) => void, end: (r: StreamEnd) => void): () => void {
    const q = this.group(queueId);
    const ticketId = first.id;
    let stopped = false;
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      q.remove(ticketId, w);
      this.release(q);
    };
    const w: Watch = {
      send,
      end: (reason) => {
        stop();
        end(reason);
      },
      last: ShownView.of(first),
    };
    q.add(w.last, w);
    send(w.last);
    const over = streamEnd(first);
    if (over) w.end(over);
    return stop;
  }

  /** Queue-wide streams: `onPass` runs after every pass over the queue's changes (coalesced). */
  follow(queueId: string, onPass: (pass: PassReport) => void): () => void {
    const q = this.group(queueId);
    const f = (pass: PassReport): void => onPass(pass);
    q.followers.add(f);
    return () => {
      if (!q.followers.delete(f)) return;
      this.release(q);
    };
  }

  get subscribers(): number {
    let n = 0;
    for (const q of this.queues.values()) for (const t of q.tickets.values()) n += t.watches.size;
    return n;
  }

  close(): void {
    clearInterval(this.resyncTimer);
    this.offGap();
    for (const q of this.queues.values()) q.close();
  }

  private group(queueId: string): QueueWatch {
    const found = this.queues.get(queueId);
    if (found) return found;
    const sources = {
      index: this.index,
      queue: (id: string) => this.service.queue(id),
      ticket: (id: string) => this.service.watchedTicket(id),
      now: () => this.service.now(),
      onError: this.onError,
    };
    let q: QueueWatch | null = null;
    const unsubscribe = this.bus.subscribe(queueChannel(queueId), (m) => q?.receive(decodeNote(m)));
    q = new QueueWatch(queueId, sources, unsubscribe);
    const created = q;
    // Changes made while the subscription was being set up were not heard: one pass catches up.
    unsubscribe.then(() => created.schedule(), this.onError);
    this.queues.set(queueId, q);
    return q;
  }

  private release(q: QueueWatch): void {
    if (q.size > 0 || this.queues.get(q.queueId) !== q) return;
    this.queues.delete(q.queueId);
    q.close();
    void q.unsubscribe.then((off) => off()).catch(this.onError);
  }
}

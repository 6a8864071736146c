import { isAppError } from '../errors/index.js';
import type { LiveIndex } from '../live/contract.js';
import { applyNote, type QueueNote, type TicketNote } from './live-notes.js';
import { ShownView, ViewFrame } from './shown-view.js';
import type { Eta, Queue, TicketStatus } from './types.js';
import { estimatorAt, type TicketView } from './views.js';

/** Why a ticket's stream ended: the ticket reached an end, or its queue (and so the ticket) is gone. */
export type StreamEnd = 'served' | 'left' | 'expired' | 'deleted';

const ENDS: Partial<Record<TicketStatus, StreamEnd>> = { served: 'served', left: 'left', expired: 'expired' };

/** The reason a stream ends with this view, or null while the ticket can still change. */
export const streamEnd = (view: Pick<TicketView, 'status'>): StreamEnd | null => ENDS[view.status] ?? null;

/**
 * Passes start at least this far apart: changes that come while a pass is recent wait for the next
 * one and go out together, with the latest state. A change after a quiet spell starts its pass at
 * once. A crowd whose pass takes longer waits as long again after each pass, so that a busy queue
 * never takes more than half of the node's time with its messages, however fast the changes come.
 */
const COALESCE_MS = 25;
/**
 * Reading the whole order costs one entry per waiting ticket; a rank per watcher costs a lookup
 * each. The walk wins unless the queue is much longer than the crowd watching it.
 */
const WALK_WHILE_WAITING_PER_WATCHER = 32;
/** Database reads a resync keeps in flight: enough to hide the round trips, few for the pool. */
const REREADS_AT_ONCE = 8;

export interface Watch {
  readonly send: (shown: ShownView) => void;
  readonly end: (reason: StreamEnd) => void;
  /** What this stream last showed, so an unchanged view is not sent again. */
  last: ShownView;
}

/**
 * What a queue-wide follower is told after a pass: the queue as the pass read it (null once it is
 * gone) and whether a change was heard since the last pass. A pass with nothing heard is the
 * periodic check or a catch-up, which changed nothing unless the queue row says otherwise.
 */
export interface PassReport {
  readonly queue: Queue | null;
  readonly heard: boolean;
}

interface Watched {
  readonly id: string;
  shown: ShownView;
  readonly watches: Set<Watch>;
  /** The ticket's zero-based place in the order as read by pass number `rankedIn`, kept here
   * rather than in a map per pass; a ticket the latest pass did not rank is not waiting. */
  rank: number;
  rankedIn: number;
}

/** What a pass needs from the rest of the node: the queue row, the order, and a ticket's full view. */
export interface PassSources {
  readonly index: LiveIndex;
  queue(id: string): Promise<Queue>;
  /** A watched ticket read from the database: only when what the node holds cannot be trusted. */
  ticket(id: string): Promise<TicketView>;
  /** The node's clock (a waiting room's wait counts down to its opening by it). */
  now(): Date;
  onError(e: unknown): void;
}

/**
 * The watchers one node has for one queue. Notes from the bus update what the node holds of each
 * watched ticket; a pass then reads the queue row and the order once and gives every watcher its
 * new view. A ticket whose held status disagrees with the order (a note missed or not yet here) is
 * read from the database, alone; a gap in a publisher's numbering makes the next pass read all.
 */
export class QueueWatch {
  readonly tickets = new Map<string, Watched>();
  /** Queue-wide followers (the operator and board streams), told after every pass. */
  readonly followers = new Set<(pass: PassReport) => void>();
  private pending = new Map<string, TicketNote>();
  /** A bus message (or a gap in them) since the last pass began. */
  private heard = false;
  private readonly lastSeq = new Map<string, number>();
  private verifyAll = false;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private again = false;
  private closed = false;
  /** When the last pass ended plus how long it took: the earliest start of the next. */
  private nextEarliest = 0;
  private lastStart = Number.NEGATIVE_INFINITY;
  private passes = 0;

  constructor(
    readonly queueId: string,
    private readonly sources: PassSources,
    readonly unsubscribe: Promise<() => Promise<void>>,
  ) {}

  get size(): number {
    return this.tickets.size + this.followers.size;
  }

  add(first: ShownView, w: Watch): void {
    const id = first.frame.id;
    let t = this.tickets.get(id);
    if (!t) {
      t = { id, shown: first, watches: new Set(), rank: 0, rankedIn: 0 };
      this.tickets.set(id, t);
    }
    t.watches.add(w);
  }

  remove(ticketId: string, w: Watch): void {
    const t = this.tickets.get(ticketId);
    if (!t) return;
    t.watches.delete(w);
    if (t.watches.size === 0) this.tickets.delete(ticketId);
  }

  /** A bus message: notes for local watchers are kept for the next pass. */
  receive(note: QueueNote | null): void {
    this.heard = true;
    if (note === null) this.verifyAll = true;
    else {
      const last = this.lastSeq.get(note.node);
      if (note.reread || (last !== undefined && note.seq !== last + 1)) this.verifyAll = true;
      this.lastSeq.set(note.node, note.seq);
      for (const t of note.tickets) if (this.tickets.has(t.id)) this.pending.set(t.id, t);
    }
    this.schedule();
  }

  /** Messages may have been lost (the bus reconnected): the next pass reads every watched ticket. */
  resync(): void {
    this.verifyAll = true;
    this.heard = true;
    this.schedule();
  }

  schedule(): void {
    if (this.timer || this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    // The changes of one turn of the event loop arrive as one note, so even a pass started at once
    // sees a whole call-next; a timer, not a microtask, lets the change's own answer go out first.
    const earliest = Math.max(this.lastStart + COALESCE_MS, this.nextEarliest);
    this.timer = setTimeout(() => void this.run(), Math.max(0, earliest - performance.now()));
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async run(): Promise<void> {
    this.timer = null;
    this.running = true;
    const started = performance.now();
    this.lastStart = started;
    try {
      await this.pass();
    } catch (e) {
      this.sources.onError(e);
    } finally {
      const ended = performance.now();
      this.nextEarliest = ended + (ended - started);
      this.running = false;
      if (this.again) {
        this.again = false;
        this.schedule();
      }
    }
  }

  private async pass(): Promise<void> {
    const notes = this.pending;
    this.pending = new Map();
    const all = this.verifyAll;
    this.verifyAll = false;
    const heard = this.heard;
    this.heard = false;
    let queue: Queue;
    try {
      queue = await this.sources.queue(this.queueId);
    } catch (e) {
      if (!(isAppError(e) && e.code === 'not_found')) throw e;
      this.endAll('deleted');
      return this.tellFollowers({ queue: null, heard: true });
    }
    const passNo = ++this.passes;
    if (this.tickets.size > 0) await this.rank(passNo);
    const unsure: string[] = [];
    // Every estimate of a pass is for the same reading and moment: what does not depend on the
    // position (the room's settings, its schedule, the queue's spread) is worked out once.
    const etaAt = estimatorAt(queue, this.sources.now());
    for (const t of this.tickets.values()) {
      const note = notes.get(t.id);
      const frame = note ? new ViewFrame(applyNote(t.shown.frame.view, note)) : t.shown.frame;
      const rank = t.rankedIn === passNo ? t.rank : undefined;
      const waiting = frame.status === 'waiting';
      const needsPass = frame.status === 'admitted' && queue.mode === 'waiting_room' && frame.pass === undefined;
      if (all || waiting !== (rank !== undefined) || needsPass) unsure.push(t.id);
      else {
        const position = rank === undefined ? null : rank + 1;
        this.show(t, shownAt(t.shown, frame, position, etaAt(position)));
      }
    }
    // A resync rereads every watched ticket: a few at a time, not one round trip after another.
    for (let i = 0; i < unsure.length; i += REREADS_AT_ONCE)
      await Promise.all(unsure.slice(i, i + REREADS_AT_ONCE).map((id) => this.reread(id)));
    this.tellFollowers({ queue, heard });
  }

  private tellFollowers(pass: PassReport): void {
    for (const f of [...this.followers]) f(pass);
  }

  /** Gives each watched ticket that is waiting its place in the order, for this pass. */
  private async rank(passNo: number): Promise<void> {
    const { index } = this.sources;
    const mark = (id: string, rank: number): void => {
      const t = this.tickets.get(id);
      if (!t) return;
      t.rank = rank;
      t.rankedIn = passNo;
    };
    const count = await index.count(this.queueId);
    if (count <= this.tickets.size * WALK_WHILE_WAITING_PER_WATCHER) {
      const order = await index.range(this.queueId, 0, Infinity);
      for (let i = 0; i < order.length; i++) mark(order[i] as string, i);
      return;
    }
    const ids = [...this.tickets.keys()];
    const found = await Promise.all(ids.map((id) => index.rank(this.queueId, id)));
    ids.forEach((id, i) => {
      const r = found[i];
      if (r !== null && r !== undefined) mark(id, r);
    });
  }

  private async reread(id: string): Promise<void> {
    const t = this.tickets.get(id);
    if (!t) return;
    try {
      this.show(t, ShownView.of(await this.sources.ticket(id)));
    } catch (e) {
      if (isAppError(e) && e.code === 'not_found') this.endTicket(t, 'deleted');
      else this.sources.onError(e);
    }
  }

  private show(t: Watched, shown: ShownView): void {
    t.shown = shown;
    // A send never removes a watch at once (a dropped stream closes later), so no copy of the set.
    for (const w of t.watches) {
      const worth = w.last.differs(shown);
      // Kept even when nothing worth a message moved, so a stream holds one frame, not an old one too.
      w.last = shown;
      if (worth) w.send(shown);
    }
    const over = streamEnd(shown);
    if (over) this.endTicket(t, over);
  }

  private endTicket(t: Watched, reason: StreamEnd): void {
    for (const w of [...t.watches]) w.end(reason);
  }

  private endAll(reason: StreamEnd): void {
    for (const t of [...this.tickets.values()]) this.endTicket(t, reason);
  }
}

/** What a pass shows: the last shown view again when nothing in it moved, so a quiet watcher costs no new view. */
function shownAt(last: ShownView, frame: ViewFrame, position: number | null, eta: Eta | null): ShownView {
  const same =
    frame === last.frame &&
    position === last.position &&
    eta?.lowSeconds === last.eta?.lowSeconds &&
    eta?.highSeconds === last.eta?.highSeconds;
  return same ? last : new ShownView(frame, position, eta);
}

import { AppError, isAppError, notFound, unavailable } from '../errors/index.js';
import type { LiveBackend } from '../live/contract.js';
import type { JoinOutcome, Store, TransitionChange } from '../store/contract.js';
import { admissionOf } from './admission.js';
import { JoinBatcher } from './join-batcher.js';
import { replayedToken } from './idempotency.js';
import { joinRefusal, joinRequest } from './join-request.js';
import { newQueueSettings, queuePatch, type QueueChange } from './queue-settings.js';
import { reportSpan } from './stats.js';
import { StatusCache } from './status-cache.js';
import { newId, newTicketToken, sameDigest, sha256 } from './tokens.js';
import { ACTIONS, callTarget, type Action } from './transitions.js';
import {
  type Queue,
  type QueueMode,
  type QueueSettings,
  type TicketRecord,
  type TicketStatus,
  type WaitingEntry,
} from './types.js';
import { operatorTicketView, ticketView, type OperatorTicketView, type TicketView } from './views.js';
import type { WaitingRooms } from './waiting-rooms.js';
import { QueueCache } from './queue-cache.js';
import type { JoinInput, JoinResult, ServiceObserver } from './service-types.js';

/** The queue domain: every operation commits to the store first, then updates the live index. */
export class QueueService {
  private readonly batcher: JoinBatcher;
  private readonly etaQueues: QueueCache;
  private rooms: WaitingRooms | null = null;
  /** One node holds every change only with the in-process backend; with Redis others may change tickets. */
  private readonly statusCache: StatusCache | null;

  constructor(
    private readonly store: Store,
    private readonly live: LiveBackend,
    private readonly sealKey: Buffer,
    private readonly observer: ServiceObserver,
    /** The node's clock; injected in tests. */
    readonly now: () => Date = () => new Date(),
    /**
     * Told when the index missed a write or a ticket, so the queue is reconciled soon; `cause` is
     * the error of a failed index write.
     */
    private readonly onIndexMiss: (queueId: string, cause?: unknown) => void = () => undefined,
    /** The days of a daily-numbered queue that names no time zone (QK_TIMEZONE). */
    private readonly defaultTimezone = 'UTC',
  ) {
    this.statusCache = live.kind === 'memory' ? new StatusCache() : null;
    this.etaQueues = new QueueCache((id) => this.queue(id), now);
    this.batcher = new JoinBatcher(
      store,
      now,
      (queueId, outcomes) => this.indexJoined(queueId, outcomes),
      // A batch that lost its database link may still have committed (the commit's answer was on
      // its way), leaving tickets the index never heard of: reconcile the queue once the database
      // answers. Other failures rolled back, and a reconciliation would only cost a full read.
      (queueId, e) => {
        if (isAppError(e) && e.code === 'unavailable') this.onIndexMiss(queueId);
      },
    );
  }

  /** Waiting rooms admit, sign passes and track visitors through this (src/domain/waiting-rooms.ts). */
  attachRooms(rooms: WaitingRooms): void {
    this.rooms = rooms;
  }

  async createQueue(input: {
    name: string;
    mode: QueueMode;
    capacity?: number | null;
    settings?: Partial<QueueSettings>;
    id?: string;
  }): Promise<Queue> {
    const settings = newQueueSettings(input.mode, input.settings, this.defaultTimezone);
    return this.store.createQueue(
      { id: input.id ?? newId('q'), name: input.name, mode: input.mode, capacity: input.capacity ?? null, settings },
      this.now(),
    );
  }

  async queue(id: string): Promise<Queue> {
    const q = await this.store.getQueue(id);
    if (!q) throw notFound('queue');
    return this.rooms ? this.rooms.withSessions(q) : q;
  }

  /** Every queue, the capped rooms with their sessions' ends for the new joiner's estimate. */
  async listQueues(): Promise<Queue[]> {
    const all = await this.store.listQueues();
    return this.rooms ? this.rooms.withSessionsAll(all) : all;
  }

  /** A queue's tickets for a report over [from, to) (src/domain/stats.ts); `to` defaults to now. */
  async reportFacts(id: string, span: { from?: Date; to?: Date }) {
    await this.queue(id);
    return reportSpan(span, this.now(), (from, to) => this.store.ticketFacts(id, from, to));
  }

  async updateQueue(id: string, change: QueueChange): Promise<Queue> {
    const patch = await queuePatch(change, () => this.queue(id), this.defaultTimezone);
    const q = await this.store.updateQueue(id, patch, this.now());
    if (!q) throw notFound('queue');
    return this.rooms ? this.rooms.withSessions(q) : q;
  }

  async deleteQueue(id: string): Promise<void> {
    const waiting = await this.store.deleteQueue(id);
    if (waiting === null) throw notFound('queue');
    this.statusCache?.clear();
    await this.liveWrite(id, () => this.live.index.dropQueue(id));
  }

  async join(
    queueId: string,
    input: JoinInput,
    idempotencyKey: string | null,
  ): Promise<{ result: JoinResult; replayed: boolean }> {
    if (this.rooms && (await this.rooms.refusesJoins(queueId)))
      throw new AppError('queue_closed', 'this waiting room is not taking visitors now');
    const token = newTicketToken();
    const { req, fingerprint } = joinRequest(input, idempotencyKey, token, this.sealKey);
    const outcome = await this.batcher.join(queueId, req);
    if (outcome.kind === 'rejected') throw joinRefusal(outcome);
    if (outcome.kind === 'replayed') {
      const t = outcome.ticket;
      const position = t.status === 'waiting' ? await this.positionOrNull(t) : null;
      const q = position !== null && this.rooms ? await this.rooms.withSessions(outcome.queue) : outcome.queue;
      const view = await this.withPass(ticketView(t, q, position, this.now()), t, q);
      const replayToken = replayedToken(outcome.sealedToken, fingerprint, this.sealKey);
      return { result: { ...view, token: replayToken ?? token }, replayed: true };
    }
    this.observer.joined(queueId, 1);
    this.observer.changed(outcome.ticket, null);
    const t = (await this.rooms?.admitOnJoin(outcome.queue, outcome.ticket, outcome.position)) ?? outcome.ticket;
    const position = t.status === 'waiting' ? outcome.position : null;
    // A new ticket answers with the range the join stored as its `etaAtJoin`: both come from the
    // queue as the join's transaction read it (a capped room's sessions too), at the join's moment.
    const view = {
      ...ticketView(t, outcome.queue, position, this.now()),
      ...(position === null ? {} : { eta: t.etaAtJoin }),
    };
    return { result: { ...(await this.withPass(view, t, outcome.queue)), token }, replayed: false };
  }

  private async withPass(view: TicketView, t: TicketRecord, q: Queue): Promise<TicketView> {
    return this.rooms ? this.rooms.withPass(view, t, q) : view;
  }

  /** One index write per committed batch; positions came from the database with the commit. */
  private async indexJoined(queueId: string, outcomes: readonly JoinOutcome[]): Promise<void> {
    const entries: WaitingEntry[] = [];
    for (const o of outcomes)
      if (o.kind === 'joined') entries.push({ ticketId: o.ticket.id, priority: o.ticket.priority, seq: o.ticket.seq });
    if (entries.length > 0) await this.liveWrite(queueId, () => this.live.index.addJoined(queueId, entries));
  }

  /**
   * A customer's view of their ticket; a wrong token looks exactly like a missing ticket. A waiting
   * ticket polled again with its verified token is answered from the status cache and the index.
   */
  async customerTicket(id: string, token: string | undefined): Promise<TicketView> {
    const hit = token === undefined ? null : (this.statusCache?.get(id, token) ?? null);
    if (hit) {
      const q = await this.queueForEta(hit.queueId);
      const rank = await this.live.index.rank(hit.queueId, id);
      // Gone from the order: it moved on in a way this entry missed; the full path tells how.
      if (rank !== null) return ticketView(hit, q, rank + 1, this.now());
      this.statusCache?.forget(id);
    }
    const t = await this.authorisedTicket(id, token);
    const q = await this.queueForEta(t.queueId);
    if (this.rooms) await this.rooms.seen(t, q);
    if (q.mode === 'service' && token !== undefined) this.statusCache?.remember(t, token);
    return this.view(t, q);
  }

  /**
   * A status poll's answer when this node has it at hand: a waiting ticket polled again with its
   * verified token, its queue row fresh in the ETA cache and its rank in an index held in this
   * process. Null sends the caller to `customerTicket`. While the ticket's position and queue row
   * stay the same, the answer is the same object, so the caller may keep its JSON by identity.
   */
  cachedTicket(id: string, token: string): TicketView | null {
    const index = this.live.index;
    if (!this.statusCache || !index.rankNow) return null;
    return this.statusCache.view(
      id,
      token,
      (t) => {
        const queue = this.etaQueues.peek(t.queueId);
        const rank = queue ? index.rankNow?.(t.queueId, id) : null;
        // A ticket gone from the order takes the full path, which finds out how it moved on.
        return queue && rank !== null && rank !== undefined ? { queue, position: rank + 1 } : null;
      },
      (t, q, position) => ticketView(t, q, position, this.now()),
    );
  }

  /** A ticket changed: the status cache must not answer with what it held. */
  forgetTicket(id: string): void {
    this.statusCache?.forget(id);
  }

  /** The ticket behind a customer's token, for the waiting-room routes. */
  async ownTicket(id: string, token: string | undefined): Promise<TicketRecord> {
    return this.authorisedTicket(id, token);
  }

  /** A customer's view of a ticket they proved they own. */
  async viewOf(t: TicketRecord): Promise<TicketView> {
    return this.view(t, await this.queue(t.queueId));
  }

  /** Drops the ETA cache; returns how many entries it held. */
  trimCaches(): number {
    const n = this.etaQueues.clear();
    this.statusCache?.clear();
    return n;
  }

  private queueForEta(id: string): Promise<Queue> {
    return this.etaQueues.get(id);
  }

  async leave(id: string, token: string | undefined): Promise<TicketView> {
    await this.authorisedTicket(id, token);
    const r = await this.apply(id, 'leave');
    return ticketView(r.ticket, r.queue, r.position, this.now());
  }

  /** A watched ticket's customer view; its token was checked when the watch began. */
  async watchedTicket(id: string): Promise<TicketView> {
    const t = await this.store.getTicket(id);
    if (!t) throw notFound('ticket');
    return this.view(t, await this.queue(t.queueId));
  }

  async listTickets(queueId: string, opts: { status?: TicketStatus; limit: number; cursor?: string }) {
    const q = await this.queue(queueId);
    const page = await this.store.listTickets(queueId, opts);
    const items = [];
    for (const t of page.items) items.push(operatorTicketView(t, q, await this.position(t), this.now()));
    return { items, nextCursor: page.nextCursor };
  }

  async callNext(queueId: string, counter: string | null): Promise<OperatorTicketView | null> {
    const q = await this.queueForEta(queueId);
    const now = this.now();
    const t = await this.store.callNext(queueId, callTarget(q.mode), counter, now, this.sessionEnd(q, now));
    if (!t) return null;
    await this.afterChange(t, 'waiting');
    // A called ticket has no position and so no ETA: the queue read before the call serves.
    return operatorTicketView(t, q, null, this.now());
  }

  /** serve, noShow, requeue, recall, call (out of order), leave. */
  async act(id: string, action: Action, counter?: string | null): Promise<OperatorTicketView> {
    const r = await this.apply(id, action, counter);
    return operatorTicketView(r.ticket, r.queue, r.position, this.now());
  }

  private async apply(
    id: string,
    action: Action,
    counter?: string | null,
  ): Promise<{ ticket: TicketRecord; queue: Queue; position: number | null }> {
    const t0 = await this.store.getTicket(id);
    if (!t0) throw notFound('ticket');
    const q = await this.queue(t0.queueId);
    const spec = ACTIONS[action === 'call' ? (q.mode === 'waiting_room' ? 'admit' : 'call') : action];
    if (action === 'call' && q.status === 'paused')
      throw new AppError('conflict', 'queue is paused; resume it to call tickets');
    const change: TransitionChange = {
      to: spec.to,
      ...(counter !== undefined ? { counter } : {}),
      ...(action === 'requeue' ? { requeue: true } : {}),
      ...(action === 'recall' ? { recall: true } : {}),
      ...(spec.to === 'admitted' ? { admittedUntil: this.sessionEnd(q, this.now()) } : {}),
    };
    const r = await this.store.transition(id, spec.from, change, this.now());
    if (r.kind === 'not_found') throw notFound('ticket');
    if (r.kind === 'conflict')
      throw new AppError('conflict', `cannot ${ACTIONS[action].verb}: the ticket is ${r.current}`, {
        details: { status: r.current },
      });
    await this.afterChange(r.ticket, r.before.status);
    return { ticket: r.ticket, queue: await this.queue(r.ticket.queueId), position: r.position };
  }

  /**
   * Waiting tickets past their queue's TTL become `expired`. The store moves each one only from
   * `waiting`, so when several nodes sweep at once every ticket is expired by exactly one of them.
   * An index write that fails marks the queue for reconciliation; observers hear of every ticket.
   */
  async expireWaiting(): Promise<TicketRecord[]> {
    const expired = await this.store.expireWaiting(this.now());
    const byQueue = new Map<string, string[]>();
    for (const t of expired) byQueue.set(t.queueId, [...(byQueue.get(t.queueId) ?? []), t.id]);
    for (const [queueId, ids] of byQueue)
      await this.liveWrite(queueId, () => this.live.index.remove(queueId, ids)).catch(() => undefined);
    for (const t of expired) this.observer.changed(t, 'waiting');
    return expired;
  }

  /** Exact position from the live index; a waiting ticket missing there means the index is behind. */
  async position(t: TicketRecord): Promise<number | null> {
    if (t.status !== 'waiting') return null;
    const rank = await this.live.index.rank(t.queueId, t.id);
    if (rank === null) {
      this.onIndexMiss(t.queueId);
      throw unavailable('live index');
    }
    return rank + 1;
  }

  /**
   * For answers to writes that already committed (a replayed join): the index being away must not
   * turn them into a failure, so the position is then unknown (null) and the queue is marked.
   */
  private async positionOrNull(t: TicketRecord): Promise<number | null> {
    try {
      return await this.position(t);
    } catch {
      this.onIndexMiss(t.queueId);
      return null;
    }
  }

  private async view(t: TicketRecord, q: Queue): Promise<TicketView> {
    return this.withPass(ticketView(t, q, await this.position(t), this.now()), t, q);
  }

  /** An admission made now by hand ends with the room's session length. */
  private sessionEnd(q: Queue, now: Date): number | undefined {
    return q.mode === 'waiting_room' ? now.getTime() + admissionOf(q.settings).sessionSeconds * 1000 : undefined;
  }

  /**
   * The database has committed by the time the index is written, so the write's failure (Redis
   * away) must not fail the request: a retry would repeat what happened. The queue is marked for
   * reconciliation instead, and the index heals without a restart.
   */
  private async liveWrite(queueId: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      this.onIndexMiss(queueId, e);
    }
  }

  private async authorisedTicket(id: string, token: string | undefined): Promise<TicketRecord> {
    const t = await this.store.getTicket(id);
    if (!t) throw notFound('ticket');
    if (token === undefined || !sameDigest(sha256(token), t.tokenHash)) {
      this.observer.invalidToken(id);
      throw notFound('ticket');
    }
    return t;
  }

  private async afterChange(t: TicketRecord, from: TicketStatus): Promise<void> {
    await this.liveWrite(t.queueId, async () => {
      // A requeued ticket comes back with a new seq: its old entry goes first.
      if (from === 'waiting' || t.status === 'waiting') await this.live.index.remove(t.queueId, [t.id]);
      if (t.status === 'waiting')
        await this.live.index.add(t.queueId, [{ ticketId: t.id, priority: t.priority, seq: t.seq }]);
    });
    this.observer.changed(t, from);
  }
}

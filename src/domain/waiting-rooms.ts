import { randomBytes } from 'node:crypto';
import { AppError, notFound } from '../errors/index.js';
import type { Store } from '../store/contract.js';
import { sessionEndsNeeded } from './admission-eta.js';
import { admissionOf, continueUrl, seenRefreshMs } from './admission.js';
import type { Passes } from './passes.js';
import { sealToken, sha256, unsealToken } from './tokens.js';
import type { Queue, TicketRecord, TicketStatus, WaitingEntry } from './types.js';
import type { TicketView } from './views.js';

export interface DrawView {
  queueId: string;
  method: string;
  opensAt: string | null;
  commitment: string | null;
  seed: string | null;
  drawnAt: string | null;
  drawnCount: number | null;
}

/** How the queue service hears of tickets the waiting room moved, and rewrites the index. */
export interface RoomEffects {
  settled(tickets: readonly TicketRecord[], from: TicketStatus): Promise<void>;
  reorder(queueId: string, entries: readonly WaitingEntry[]): Promise<void>;
}

/** One pass of the admission loop over every busy room. */
export interface AdmissionRound {
  admitted: number;
  expired: number;
  drawn: number;
}

/**
 * Waiting rooms: the admission loop's work, sessions and draws. Every change is committed by the
 * store under the queue's row lock; this class only decides when to ask and tells the queue
 * service what moved.
 */
export class WaitingRooms {
  private readonly refusing = new Map<string, { refuses: boolean; until: number }>();

  constructor(
    private readonly store: Store,
    private readonly effects: RoomEffects,
    readonly passes: Passes,
    private readonly sealKey: Buffer,
    private readonly now: () => Date,
  ) {}

  /** One round: idle visitors expire, rooms due to open draw, then each room admits what it may. */
  async round(): Promise<AdmissionRound> {
    const out = { admitted: 0, expired: 0, drawn: 0 };
    let failure: unknown = null;
    for (const queueId of await this.store.waitingRooms.busyRooms()) {
      // One room that fails (its seed lost in a restore, a deadline) must not hold the others up.
      try {
        const expired = await this.store.waitingRooms.expireIdle(queueId, this.now());
        await this.effects.settled(expired, 'waiting');
        out.expired += expired.length;
        out.drawn += await this.drawIfDue(queueId);
        out.admitted += (await this.admitNow(queueId)).length;
      } catch (e) {
        failure ??= e;
      }
    }
    if (failure !== null) throw failure;
    return out;
  }

  /**
   * Whether the queue is a room set to `reject`. Every join asks, so the answer is kept a second
   * per queue: a room switched to `reject` refuses joins on every node within that second.
   */
  async refusesJoins(queueId: string): Promise<boolean> {
    const now = this.now().getTime();
    const hit = this.refusing.get(queueId);
    if (hit && hit.until > now) return hit.refuses;
    const q = await this.store.getQueue(queueId);
    const refuses = q !== null && q.mode === 'waiting_room' && admissionOf(q.settings).method === 'reject';
    if (this.refusing.size >= 10_000) this.refusing.clear();
    this.refusing.set(queueId, { refuses, until: now + 1000 });
    return refuses;
  }

  async admitNow(queueId: string): Promise<TicketRecord[]> {
    const admitted = await this.store.waitingRooms.admit(queueId, this.now());
    await this.effects.settled(admitted, 'waiting');
    return admitted;
  }

  /**
   * A visitor who finds nobody ahead (or a passthrough room) is admitted in the same request when
   * the room's rate and cap leave room; else the admission loop takes them in turn.
   */
  async admitOnJoin(q: Queue, t: TicketRecord, position: number): Promise<TicketRecord | null> {
    if (q.mode !== 'waiting_room') return null;
    if (position !== 1 && admissionOf(q.settings).method !== 'passthrough') return null;
    const admitted = await this.admitNow(q.id);
    return admitted.find((a) => a.id === t.id) ?? null;
  }

  /**
   * A capped room's estimate waits on its active sessions' ends (src/domain/admission-eta.ts): the
   * queue as this node reads it for a view carries them. Uncapped or paused rooms need none.
   */
  async withSessions(q: Queue): Promise<Queue> {
    const limit = sessionEndsNeeded(q);
    if (limit === null) return q;
    return { ...q, sessionEnds: await this.store.waitingRooms.sessionEnds(q.id, this.now(), limit) };
  }

  /** The same for a list of queues: one read for all the capped rooms in it, none without them. */
  async withSessionsAll(queues: readonly Queue[]): Promise<Queue[]> {
    const limits = new Map<string, number>();
    for (const q of queues) {
      const limit = sessionEndsNeeded(q);
      if (limit !== null) limits.set(q.id, limit);
    }
    if (limits.size === 0) return [...queues];
    const ends = await this.store.waitingRooms.sessionEndsOf(limits, this.now());
    return queues.map((q) => (limits.has(q.id) ? { ...q, sessionEnds: ends.get(q.id) ?? [] } : q));
  }

  /** An admitted visitor's view carries the pass, and the way on to the site with it. */
  async withPass(view: TicketView, t: TicketRecord, q: Queue): Promise<TicketView> {
    if (t.status !== 'admitted') return view;
    const pass = await this.passes.issue(t);
    const { siteUrl } = admissionOf(q.settings);
    return { ...view, pass, ...(siteUrl !== null && pass !== null ? { continueUrl: continueUrl(siteUrl, pass) } : {}) };
  }

  /** Called on a customer's status read or while their event stream is open. */
  async seen(t: TicketRecord, q: Queue): Promise<void> {
    if (q.mode !== 'waiting_room' || t.status !== 'waiting') return;
    const now = this.now();
    const last = (t.seenAt ?? t.createdAt).getTime();
    if (now.getTime() - last >= seenRefreshMs(admissionOf(q.settings))) await this.store.waitingRooms.touch(t.id, now);
  }

  /**
   * An open event stream counts as being seen: while it lasts the ticket is touched as often as a
   * polling visitor's would be. Returns the function that stops it.
   */
  async watching(ticketId: string, queueId: string): Promise<() => void> {
    const q = await this.store.getQueue(queueId);
    if (!q || q.mode !== 'waiting_room') return () => undefined;
    const touch = () => void this.store.waitingRooms.touch(ticketId, this.now()).catch(() => undefined);
    touch();
    const timer = setInterval(touch, seenRefreshMs(admissionOf(q.settings)));
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Extends (renew) or ends an active session. */
  async session(ticketId: string, kind: 'renew' | 'end', q: Queue): Promise<TicketRecord> {
    const now = this.now();
    const until = kind === 'end' ? now : new Date(now.getTime() + admissionOf(q.settings).sessionSeconds * 1000);
    const r = await this.store.waitingRooms.setSession(ticketId, until, now);
    if (r.kind === 'not_found') throw notFound('ticket');
    if (r.kind === 'conflict') throw new AppError('conflict', `no active session to ${kind}: ${r.reason}`);
    return r.ticket;
  }

  async isActive(ticketId: string): Promise<boolean> {
    const t = await this.store.getTicket(ticketId);
    return t !== null && t.status === 'admitted' && t.admittedUntil !== null && t.admittedUntil > this.now();
  }

  /** The public record of a room's draw: the commitment before, the seed after. */
  async drawView(q: Queue): Promise<DrawView> {
    const a = admissionOf(q.settings);
    const d = a.method === 'random' ? await this.commitment(q.id) : await this.store.waitingRooms.draw(q.id);
    return {
      queueId: q.id,
      method: a.method,
      opensAt: a.opensAt,
      commitment: d?.commitment ?? null,
      seed: d?.seed ?? null,
      drawnAt: d?.drawnAt?.toISOString() ?? null,
      drawnCount: d?.drawnCount ?? null,
    };
  }

  private async commitment(queueId: string) {
    const cur = await this.store.waitingRooms.draw(queueId);
    if (cur?.commitment) return cur;
    const seed = randomBytes(32).toString('hex');
    return this.store.waitingRooms.commit(queueId, sealToken(seed, this.sealKey), sha256(seed));
  }

  private async drawIfDue(queueId: string): Promise<number> {
    const q = await this.store.getQueue(queueId);
    if (!q) return 0;
    const a = admissionOf(q.settings);
    if (a.method !== 'random' || a.opensAt === null) return 0;
    const d = await this.commitment(queueId);
    if (d.drawnAt !== null || Date.parse(a.opensAt) > this.now().getTime()) return 0;
    const seed = d.sealedSeed === null ? null : unsealToken(d.sealedSeed, this.sealKey);
    if (seed === null) throw new AppError('internal', `the draw seed of queue ${queueId} cannot be unsealed`);
    const entries = await this.store.waitingRooms.runDraw(queueId, seed, new Date(a.opensAt), this.now());
    if (entries === null) return 0;
    await this.effects.reorder(queueId, entries);
    return 1;
  }
}

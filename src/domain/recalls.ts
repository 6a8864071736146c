import type { Bus } from '../live/contract.js';

/** One channel for every recall: they are rare, so each node hearing all of them costs nothing. */
const CHANNEL = 'recalls';

/**
 * Recalls reach the event streams of the recalled ticket on every node. A recall changes neither
 * the status nor the desk, so the queue's change notices (ticket-events.ts), which send a stream
 * only what differs, would not carry it: it travels on its own channel, named by ticket id.
 */
export class RecallNotices {
  private readonly listeners = new Map<string, Set<() => void>>();
  private subscription: Promise<() => Promise<void>> | null = null;

  constructor(
    private readonly bus: Bus,
    private readonly onError: (e: unknown) => void,
  ) {}

  announce(ticketId: string): void {
    this.bus.publish(CHANNEL, ticketId).catch(this.onError);
  }

  /** Calls `fn` on each recall of the ticket until the returned function is called. */
  listen(ticketId: string, fn: () => void): () => void {
    const set = this.listeners.get(ticketId) ?? new Set();
    set.add(fn);
    this.listeners.set(ticketId, set);
    if (!this.subscription) {
      const sub = this.bus.subscribe(CHANNEL, (id) => {
        for (const f of this.listeners.get(id) ?? []) f();
      });
      this.subscription = sub;
      // A failed subscription is forgotten, so the next stream to listen tries again.
      sub.catch((e: unknown) => {
        if (this.subscription === sub) this.subscription = null;
        this.onError(e);
      });
    }
    return () => {
      set.delete(fn);
      if (set.size === 0 && this.listeners.get(ticketId) === set) this.listeners.delete(ticketId);
      if (this.listeners.size > 0 || !this.subscription) return;
      const sub = this.subscription;
      this.subscription = null;
      void sub.then((off) => off()).catch(this.onError);
    };
  }
}

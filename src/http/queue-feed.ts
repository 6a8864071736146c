import { isAppError } from '../errors/index.js';
import type { TicketEvents } from '../domain/ticket-events.js';

interface Feed<T> {
  readonly clients: Set<(data: T | null) => void>;
  readonly stop: () => void;
  running: boolean;
  again: boolean;
}

/**
 * One computation per queue change for every client of a queue-wide stream on this node: the
 * board's public view is read once per pass of the live updates, however many screens show it.
 * A client is told `null` when the queue is gone.
 */
export class QueueFeed<T> {
  private readonly feeds = new Map<string, Feed<T>>();

  constructor(
    private readonly events: TicketEvents,
    private readonly compute: (queueId: string) => Promise<T>,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** Adds a client; returns a function that removes it. */
  add(queueId: string, send: (data: T | null) => void): () => void {
    let feed = this.feeds.get(queueId);
    if (!feed) {
      const created: Feed<T> = {
        clients: new Set(),
        stop: this.events.follow(queueId, () => void this.refresh(queueId, created)),
        running: false,
        again: false,
      };
      this.feeds.set(queueId, created);
      feed = created;
    }
    const f = feed;
    const client = (data: T | null): void => send(data);
    f.clients.add(client);
    return () => {
      f.clients.delete(client);
      if (f.clients.size > 0 || this.feeds.get(queueId) !== f) return;
      this.feeds.delete(queueId);
      f.stop();
    };
  }

  private async refresh(queueId: string, f: Feed<T>): Promise<void> {
    if (f.running) {
      f.again = true;
      return;
    }
    f.running = true;
    try {
      let data: T | null;
      try {
        data = await this.compute(queueId);
      } catch (e) {
        if (!(isAppError(e) && e.code === 'not_found')) throw e;
        data = null;
      }
      for (const c of [...f.clients]) c(data);
    } catch (e) {
      this.onError(e);
    } finally {
      f.running = false;
      if (f.again) {
        f.again = false;
        void this.refresh(queueId, f);
      }
    }
  }
}

import type { TicketRecord } from '../../domain/types.js';
import { unavailable } from '../../errors/index.js';
import type { CallRequest } from './transitions.js';

/** At most this many calls share one transaction; the rest take the next one. */
const MAX_BATCH = 32;
/**
 * A turn that could not even start within this long answers 503 without touching anything: the
 * writes ahead of it are stuck (each of them has its own bound), and a desk would rather hear so.
 */
const LINE_WAIT_MS = 5000;

interface CallTurn {
  readonly kind: 'call';
  readonly call: CallRequest;
  readonly since: number;
  resolve(t: TicketRecord | null): void;
  reject(e: unknown): void;
}
interface WriteTurn {
  readonly kind: 'write';
  readonly since: number;
  run(): Promise<void>;
  reject(e: unknown): void;
}
type Turn = CallTurn | WriteTurn;

type CallBatch = (queueId: string, calls: readonly CallRequest[]) => Promise<(TicketRecord | null)[]>;

/**
 * One line per queue in this process for the desks' writes under the queue's row lock: call-next
 * and the ticket transitions (serve, call out of order, requeue...). Without it, every concurrent
 * request held a pool connection while it waited at the row lock, and under load the wait met the
 * statement timeout: a 503 for a desk whose only problem was another desk. With it, a node sends
 * one transaction per queue at a time, so only other nodes' writes meet at the row lock; calls
 * that wait here together are taken in one transaction, the n-th in line getting the n-th ticket.
 */
export class QueueLanes {
  private readonly lines = new Map<string, Turn[]>();

  constructor(private readonly callBatch: CallBatch) {}

  call(queueId: string, call: CallRequest): Promise<TicketRecord | null> {
    return new Promise((resolve, reject) =>
      this.enter(queueId, { kind: 'call', call, since: performance.now(), resolve, reject }),
    );
  }

  write<T>(queueId: string, fn: () => Promise<T>): Promise<T> {
    return new Promise((resolve, reject) =>
      this.enter(queueId, { kind: 'write', since: performance.now(), run: () => fn().then(resolve, reject), reject }),
    );
  }

  private enter(queueId: string, turn: Turn): void {
    const line = this.lines.get(queueId);
    if (line) {
      line.push(turn);
      return;
    }
    const fresh = [turn];
    this.lines.set(queueId, fresh);
    void this.drain(queueId, fresh);
  }

  private async drain(queueId: string, line: Turn[]): Promise<void> {
    try {
      await this.serve(queueId, line);
    } catch (e) {
      // Nothing here is meant to throw; if it ever does, the rest of the line hears of it rather
      // than waiting forever behind a line that no longer moves.
      for (const t of line.splice(0)) t.reject(e);
      if (this.lines.get(queueId) === line) this.lines.delete(queueId);
    }
  }

  private async serve(queueId: string, line: Turn[]): Promise<void> {
    while (line.length > 0) {
      const head = line[0] as Turn;
      if (performance.now() - head.since > LINE_WAIT_MS) {
        line.shift();
        head.reject(unavailable('database'));
        continue;
      }
      if (head.kind === 'write') {
        line.shift();
        await head.run();
        continue;
      }
      let n = 1;
      while (n < line.length && n < MAX_BATCH && line[n]?.kind === 'call') n++;
      const batch = line.splice(0, n) as CallTurn[];
      await this.callBatch(
        queueId,
        batch.map((t) => t.call),
      ).then(
        (tickets) => batch.forEach((t, i) => t.resolve(tickets[i] ?? null)),
        (e: unknown) => batch.forEach((t) => t.reject(e)),
      );
    }
    // In the same turn as the last check of the line: a turn that came in after it starts a new line.
    this.lines.delete(queueId);
  }
}

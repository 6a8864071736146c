import type { TicketRecord } from '../../domain/types.js';
import type { Logger } from '../../logging/logger.js';

/** How often waiting tickets are checked against their queue's `ticketTtlSeconds`. */
export const EXPIRY_SWEEP_MS = 5000;

/**
 * Expires waiting tickets past their TTL, continuously, on the scheduler nodes. Every node may
 * sweep at the same moment: the store moves a ticket out of `waiting` at most once, so each ticket
 * is expired (and announced) by exactly one node. Sweeps never overlap on one node.
 */
export class ExpirySweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(
    private readonly expire: () => Promise<readonly TicketRecord[]>,
    private readonly logger: Logger,
    private readonly intervalMs: number = EXPIRY_SWEEP_MS,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweep(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One sweep; resolves with how many tickets this node expired (0 when the sweep failed). */
  sweep(): Promise<number> {
    this.running ??= this.expire()
      .then((tickets) => {
        if (tickets.length > 0) this.logger.info({ expired: tickets.length }, 'waiting tickets past their TTL expired');
        return tickets.length;
      })
      .catch((e: unknown) => {
        this.logger.warn({ err: e }, 'ticket expiry sweep failed; the next sweep tries again');
        return 0;
      })
      .finally(() => (this.running = null));
    return this.running;
  }
}

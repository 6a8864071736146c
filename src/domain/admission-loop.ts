import { ADMISSION_TICK_MS } from './admission.js';
import type { AdmissionRound } from './waiting-rooms.js';

/**
 * Runs admission rounds on a scheduler node, never two at once on one node. Several nodes may run
 * rounds at the same moment: each admission is decided under the queue's row lock, so a bucket
 * credit and a ticket are each spent once across all of them.
 */
export class AdmissionLoop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<AdmissionRound | null> | null = null;

  constructor(
    private readonly round: () => Promise<AdmissionRound>,
    private readonly onError: (e: unknown) => void,
    private readonly intervalMs: number = ADMISSION_TICK_MS,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One round, or the one already running; null when it failed (the next tick tries again). */
  tick(): Promise<AdmissionRound | null> {
    this.running ??= this.round()
      .catch((e: unknown) => {
        this.onError(e);
        return null;
      })
      .finally(() => (this.running = null));
    return this.running;
  }
}

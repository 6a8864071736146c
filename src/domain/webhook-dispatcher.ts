import {
  EMAIL_CHANNEL,
  type AttemptResult,
  type ClaimedDelivery,
  type WebhookStore,
} from '../store/webhook-contract.js';
import { within } from '../resilience/index.js';
import { emailAddress, emailMessage, type SendEmail } from './notify-email.js';
import type { SecretBox } from './tokens.js';
import { signDelivery } from './webhook-signing.js';

/**
 * Waits after each failed attempt: seconds first, then minutes, then hours, summing to more than
 * 24 hours; after the last one the delivery is marked failed.
 */
export const RETRY_DELAYS_MS: readonly number[] = [
  5_000, 30_000, 120_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
];

/** Delivered rows are kept this long for the deliveries list, failed ones longer (they may be resent). */
const KEEP_DELIVERED_MS = 7 * 86_400_000;
const KEEP_FAILED_MS = 30 * 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;

const retryAt = (attemptsBefore: number, now: Date): Date | null => {
  const wait = RETRY_DELAYS_MS[attemptsBefore];
  return wait === undefined ? null : new Date(now.getTime() + wait);
};

export interface DispatcherOptions {
  readonly store: WebhookStore;
  /** This node's name: the lease owner of the deliveries it sends. */
  readonly owner: string;
  readonly timeoutMs: number;
  readonly pollMs: number;
  /** Opens the webhooks' sealed signing secrets, one delivery at a time. */
  readonly secrets: SecretBox;
  readonly clock?: () => Date;
  readonly batch?: number;
  /** Set when this node has SMTP: it then also sends the email channel's rows. */
  readonly email?: { readonly send: SendEmail; readonly publicUrl: string };
  readonly onError?: (e: unknown) => void;
  readonly onAttempt?: (d: ClaimedDelivery, r: AttemptResult) => void;
}

/**
 * Sends due outbox rows from any node. Each round claims a batch with a lease in the database, so
 * one node at a time sends a given delivery; a node that dies mid-send loses its lease and another
 * takes the delivery over. Joins and calls never wait for it: it runs on its own timer.
 */
export class WebhookDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private readonly clock: () => Date;
  private prunedAt = 0;

  constructor(private readonly o: DispatcherOptions) {
    this.clock = o.clock ?? (() => new Date());
  }

  start(): void {
    if (this.timer) return;
    const tick = () => {
      this.running = this.runOnce()
        .catch((e: unknown) => this.o.onError?.(e))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.o.pollMs);
        });
    };
    this.timer = setTimeout(tick, this.o.pollMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One round: claims what is due and sends it; resolves to the number of attempts made. */
  async runOnce(): Promise<number> {
    const t = this.clock().getTime();
    if (t - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = t;
      await this.o.store.prune(new Date(t - KEEP_DELIVERED_MS), new Date(t - KEEP_FAILED_MS));
    }
    // The lease outlasts the slowest attempt, so no other node takes a delivery still being sent.
    const leaseMs = this.o.timeoutMs * 2 + 5_000;
    const claimed = await this.o.store.claimDue(
      this.o.owner,
      this.clock(),
      leaseMs,
      this.o.batch ?? 50,
      this.o.email !== undefined,
    );
    await Promise.all(
      claimed.map(async (d) => {
        const result = d.url === EMAIL_CHANNEL.url ? await this.mail(d) : await this.attempt(d);
        this.o.onAttempt?.(d, result);
        await this.o.store.settle(d.id, this.o.owner, result, this.clock());
      }),
    );
    return claimed.length;
  }

  private async mail(d: ClaimedDelivery): Promise<AttemptResult> {
    const started = performance.now();
    const to = emailAddress(d.data.contact);
    const message = this.o.email && emailMessage(d.type, d.data, this.o.email.publicUrl);
    // The contact may have gone with the ticket's retention since the event: nothing to send.
    if (!to || !message || !this.o.email)
      return { ok: true, responseStatus: null, latencyMs: 0, error: 'no email contact', retryAt: null };
    try {
      await within(this.o.email.send(to, message), this.o.timeoutMs);
      return { ok: true, responseStatus: 250, latencyMs: performance.now() - started, error: null, retryAt: null };
    } catch (e) {
      return {
        ok: false,
        responseStatus: null,
        latencyMs: performance.now() - started,
        error: describe(e),
        retryAt: retryAt(d.attempts, this.clock()),
      };
    }
  }

  private async attempt(d: ClaimedDelivery): Promise<AttemptResult> {
    const secret = this.o.secrets.open(d.sealedSecret);
    // Sealed under another key (a database restored without the backup's seal key): sending it
    // unsigned or wrongly signed would teach receivers to ignore signatures.
    if (secret === null)
      return {
        ok: false,
        responseStatus: null,
        latencyMs: 0,
        error:
          "the webhook's signing secret cannot be opened with this database's seal key; register the webhook again",
        retryAt: retryAt(d.attempts, this.clock()),
      };
    const msgId = `msg_${d.id}`;
    const timestamp = Math.floor(this.clock().getTime() / 1000);
    const body = JSON.stringify({ type: d.type, timestamp: d.occurredAt.toISOString(), data: d.data });
    const started = performance.now();
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': msgId,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signDelivery(secret, msgId, timestamp, body),
        },
        body,
        // A redirect could point anywhere, past the URL checks made at registration.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      const latencyMs = performance.now() - started;
      const ok = res.status >= 200 && res.status < 300;
      return {
        ok,
        responseStatus: res.status,
        latencyMs,
        error: ok ? null : `receiver answered ${res.status}`,
        retryAt: ok ? null : retryAt(d.attempts, this.clock()),
      };
    } catch (e) {
      const timedOut = e instanceof Error && e.name === 'TimeoutError';
      return {
        ok: false,
        responseStatus: null,
        latencyMs: performance.now() - started,
        error: timedOut ? `no answer within ${this.o.timeoutMs} ms` : describe(e),
        retryAt: retryAt(d.attempts, this.clock()),
      };
    }
  }
}

function describe(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ''}`;
  return e instanceof Error ? e.message : String(e);
}

import {
  EMAIL_CHANNEL,
  type AttemptResult,
  type ClaimedDelivery,
  type WebhookStore,
} from '../store/webhook-contract.js';
import type { SendEmail } from './notify-email.js';
import { SettleBatcher } from './settle-batcher.js';
import type { SecretBox } from './tokens.js';
import { mailAttempt, webhookAttempt, type AttemptContext } from './webhook-attempt.js';

/** Delivered rows are kept this long for the deliveries list, failed ones longer (they may be resent). */
const KEEP_DELIVERED_MS = 7 * 86_400_000;
const KEEP_FAILED_MS = 30 * 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;
/** Claims one round may make back to back while they come back full, before it waits for the poll. */
const MAX_CLAIMS_PER_ROUND = 20;

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
  /** Deliveries of one webhook (or of the email channel) this node sends at once. */
  readonly perWebhook?: number;
  /** Set when this node has SMTP: it then also sends the email channel's rows. */
  readonly email?: { readonly send: SendEmail; readonly publicUrl: string };
  readonly onError?: (e: unknown) => void;
  readonly onAttempt?: (d: ClaimedDelivery, r: AttemptResult) => void;
}

const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Sends due outbox rows from any node. Each claim leases deliveries in the database, so one node at
 * a time sends a given delivery; a node that dies mid-send loses its lease and another takes the
 * delivery over. Each webhook (and the email channel) is a lane with a few deliveries in flight: a
 * receiver that hangs holds only its own lane, while rounds go on claiming for the others. A claim
 * that comes back full is followed by another at once, and a lane that had more waiting claims
 * again once half its sends have settled, so a backlog drains without waiting for the poll.
 * Finished sends are recorded in batches (see SettleBatcher). Joins and calls never wait for any of it.
 */
export class WebhookDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  private round: Promise<number> | null = null;
  private again = false;
  private readonly clock: () => Date;
  private readonly attempt: AttemptContext;
  private readonly batch: number;
  private readonly perWebhook: number;
  private readonly settler: SettleBatcher;
  /** Sends in flight, and how many per webhook id. */
  private readonly sending = new Set<Promise<void>>();
  private readonly inFlight = new Map<string, number>();
  /** Lanes whose last claim filled their room: more may be due as soon as one of their sends settles. */
  private readonly hungry = new Set<string>();
  /** A send settled since the last claim in a way that may make more due: its lane had more, or the ticket's next event is free to go. */
  private wake = false;
  private prunedAt = 0;

  constructor(private readonly o: DispatcherOptions) {
    this.clock = o.clock ?? (() => new Date());
    this.attempt = { timeoutMs: o.timeoutMs, clock: this.clock, secrets: o.secrets, email: o.email };
    this.batch = o.batch ?? 50;
    this.perWebhook = o.perWebhook ?? 16;
    this.settler = new SettleBatcher(o.store, o.owner);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(this.o.pollMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.round?.catch(() => undefined);
    await Promise.all(this.sending);
  }

  /**
   * Sends what is due and resolves once every send it started has settled, to the number of
   * attempts made. A round that waits on a hanging receiver still claims for the other lanes as
   * their sends settle.
   */
  async runOnce(): Promise<number> {
    let n = await this.claimRound();
    while (this.sending.size > 0) {
      await Promise.race(this.sending);
      if (this.wake) n += await this.claimRound();
    }
    return n;
  }

  private schedule(ms: number): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.kick();
    }, ms);
  }

  /** Runs a round now, or right after the one in progress; then waits for the poll. */
  private kick(): void {
    if (this.stopped) return;
    if (this.round) {
      this.again = true;
      return;
    }
    void this.claimRound()
      .catch((e: unknown) => this.o.onError?.(e))
      .finally(() => {
        if (this.again) {
          this.again = false;
          setImmediate(() => this.kick());
        } else this.schedule(this.o.pollMs);
      });
  }

  /** Claims while claims come back full (bounded), starting each delivery's send in its lane. */
  private claimRound(): Promise<number> {
    const run = async (): Promise<number> => {
      await this.pruneHourly();
      let started = 0;
      for (let i = 0; i < MAX_CLAIMS_PER_ROUND; i++) {
        if (i > 0) await yieldToEvents();
        const { count, more } = await this.claim();
        started += count;
        if (!more) break;
      }
      return started;
    };
    // Rounds never overlap on one node: the lanes' counts must be the claim's view of them.
    const previous = this.round ?? Promise.resolve(0);
    const next = previous.catch(() => 0).then(run);
    this.round = next;
    const clear = () => {
      if (this.round === next) this.round = null;
    };
    next.then(clear, clear);
    return next;
  }

  private async pruneHourly(): Promise<void> {
    const t = this.clock().getTime();
    if (t - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = t;
    await this.o.store.prune(new Date(t - KEEP_DELIVERED_MS), new Date(t - KEEP_FAILED_MS));
  }

  /** One claim; `more` when it came back full or filled a lane, so another claim may find more. */
  private async claim(): Promise<{ count: number; more: boolean }> {
    // The lease outlasts the slowest attempt, so no other node takes a delivery still being sent.
    const leaseMs = this.o.timeoutMs * 2 + 5_000;
    const before = new Map(this.inFlight);
    this.wake = false;
    const claimed = await this.o.store.claimDue(this.o.owner, this.clock(), leaseMs, this.batch, {
      withEmail: this.o.email !== undefined,
      perWebhook: this.perWebhook,
      inFlight: before,
    });
    const got = new Map<string, number>();
    for (const d of claimed) {
      got.set(d.webhookId, (got.get(d.webhookId) ?? 0) + 1);
      this.send(d);
    }
    let filled = false;
    for (const [id, n] of got)
      if (n >= this.perWebhook - (before.get(id) ?? 0)) {
        this.hungry.add(id);
        filled = true;
      }
    // A lane the claim had room for and did not fill has nothing more due now.
    for (const id of this.hungry)
      if ((got.get(id) ?? 0) < this.perWebhook - (before.get(id) ?? 0)) this.hungry.delete(id);
    return { count: claimed.length, more: claimed.length >= this.batch || filled };
  }

  private send(d: ClaimedDelivery): void {
    const lane = d.webhookId;
    this.inFlight.set(lane, (this.inFlight.get(lane) ?? 0) + 1);
    let moved = false;
    const p = (async () => {
      const result =
        d.url === EMAIL_CHANNEL.url ? await mailAttempt(d, this.attempt) : await webhookAttempt(d, this.attempt);
      this.o.onAttempt?.(d, result);
      // A send counts as in flight until its result is written, so the next claim sees it settled.
      await this.settler.settle(d.id, result, this.clock());
      // Delivered or given up: the ticket's next event, held back behind this one, is due now.
      moved = result.ok || result.retryAt === null;
    })()
      .catch((e: unknown) => this.o.onError?.(e))
      .finally(() => {
        const left = (this.inFlight.get(lane) ?? 1) - 1;
        if (left > 0) this.inFlight.set(lane, left);
        else this.inFlight.delete(lane);
        this.sending.delete(p);
        // Claims come once a lane is half empty, not after every send: under a backlog each claim
        // is a query that competes with joins for the database.
        if ((moved || this.hungry.has(lane)) && left <= this.perWebhook / 2) {
          this.wake = true;
          this.kick();
        }
      });
    this.sending.add(p);
  }
}

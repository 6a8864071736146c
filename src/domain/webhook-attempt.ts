import type { AttemptResult, ClaimedDelivery } from '../store/webhook-contract.js';
import { within } from '../resilience/index.js';
import { emailAddress, emailMessage, type SendEmail } from './notify-email.js';
import type { SecretBox } from './tokens.js';
import { NoAnswer, postJson } from './webhook-post.js';
import { signDelivery } from './webhook-signing.js';

/**
 * Waits after each failed attempt: seconds first, then minutes, then hours, summing to more than
 * 24 hours; after the last one the delivery is marked failed.
 */
export const RETRY_DELAYS_MS: readonly number[] = [
  5_000, 30_000, 120_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
];

const retryAt = (attemptsBefore: number, now: Date): Date | null => {
  const wait = RETRY_DELAYS_MS[attemptsBefore];
  return wait === undefined ? null : new Date(now.getTime() + wait);
};

/** What one attempt needs besides the delivery. */
export interface AttemptContext {
  readonly timeoutMs: number;
  readonly clock: () => Date;
  readonly secrets: SecretBox;
  readonly email?: { readonly send: SendEmail; readonly publicUrl: string } | undefined;
}

const failed = (d: ClaimedDelivery, c: AttemptContext, latencyMs: number, error: string): AttemptResult => ({
  ok: false,
  responseStatus: null,
  latencyMs,
  error,
  retryAt: retryAt(d.attempts, c.clock()),
});

/** Sends the "nearly your turn" or "you are called" message of an email-channel delivery. */
export async function mailAttempt(d: ClaimedDelivery, c: AttemptContext): Promise<AttemptResult> {
  const started = performance.now();
  const to = emailAddress(d.data.contact);
  const message = c.email && emailMessage(d.type, d.data, c.email.publicUrl);
  // The contact may have gone with the ticket's retention since the event: nothing to send.
  if (!to || !message || !c.email)
    return { ok: true, responseStatus: null, latencyMs: 0, error: 'no email contact', retryAt: null, skipped: true };
  try {
    await within(c.email.send(to, message), c.timeoutMs);
    return { ok: true, responseStatus: 250, latencyMs: performance.now() - started, error: null, retryAt: null };
  } catch (e) {
    return failed(d, c, performance.now() - started, describe(e));
  }
}

/** POSTs a signed delivery to its webhook's URL, cut off after the timeout; redirects are not followed. */
export async function webhookAttempt(d: ClaimedDelivery, c: AttemptContext): Promise<AttemptResult> {
  const secret = c.secrets.open(d.sealedSecret);
  // Sealed under another key (a database restored without the backup's seal key): sending it
  // unsigned or wrongly signed would teach receivers to ignore signatures.
  if (secret === null)
    return failed(
      d,
      c,
      0,
      "the webhook's signing secret cannot be opened with this database's seal key; register the webhook again",
    );
  const msgId = `msg_${d.id}`;
  const timestamp = Math.floor(c.clock().getTime() / 1000);
  const body = JSON.stringify({ type: d.type, timestamp: d.occurredAt.toISOString(), data: d.data });
  const started = performance.now();
  try {
    const status = await postJson(
      d.url,
      {
        'webhook-id': msgId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signDelivery(secret, msgId, timestamp, body),
      },
      body,
      c.timeoutMs,
    );
    const latencyMs = performance.now() - started;
    if (status < 200 || status >= 300)
      return { ...failed(d, c, latencyMs, `receiver answered ${status}`), responseStatus: status };
    return { ok: true, responseStatus: status, latencyMs, error: null, retryAt: null };
  } catch (e) {
    const timedOut = e instanceof NoAnswer;
    return failed(d, c, performance.now() - started, timedOut ? `no answer within ${c.timeoutMs} ms` : describe(e));
  }
}

function describe(e: unknown): string {
  // A socket error carries its own code; the mailer's may wrap it.
  const err = e as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const coded = err.code ? err : err.cause;
  if (coded?.code) return `${coded.code}${coded.message ? `: ${coded.message}` : ''}`;
  return e instanceof Error ? e.message : String(e);
}

import { within } from '../../../resilience/index.js';
import type { StepContext } from '../../step.js';
import type { Finding } from '../../types.js';

/** An undelivered event older than this means deliveries are stuck, not merely retrying. */
const OUTBOX_STUCK_SECONDS = 3600;

export interface OutboxHealth {
  readonly pending: number | null;
  readonly failed: number | null;
  readonly oldestPendingSeconds: number | null;
  readonly error: string | null;
}

/** The webhook and email outbox, as the database holds it: failed or stuck deliveries warn. */
export async function checkOutbox(
  ctx: StepContext,
  timeoutMs: number,
): Promise<{ outbox: OutboxHealth; findings: Finding[] }> {
  try {
    const b = await within(ctx.store.webhooks.backlog(ctx.now()), timeoutMs);
    const findings: Finding[] = [];
    if (b.failed > 0)
      findings.push({
        severity: 'warning',
        message: `${b.failed} webhook or email deliveries failed after every retry; see GET /api/webhooks/:id/deliveries`,
      });
    if (b.oldestPendingSeconds !== null && b.oldestPendingSeconds > OUTBOX_STUCK_SECONDS)
      findings.push({
        severity: 'warning',
        message: `the oldest undelivered event is ${Math.round(b.oldestPendingSeconds / 60)} minutes old (${b.pending} pending)`,
      });
    return { outbox: { ...b, error: null }, findings };
  } catch (e) {
    // The database check reports the outage itself; here the figures are simply unknown.
    const error = e instanceof Error ? e.message : String(e);
    return { outbox: { pending: null, failed: null, oldestPendingSeconds: null, error }, findings: [] };
  }
}

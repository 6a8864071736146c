import { createHmac } from 'node:crypto';
import type { WebhookConfig } from '../../config/index.js';
import type { Logger } from '../../logging/logger.js';
import { backoffMs, pause } from '../../resilience/index.js';

const SIGNATURE_HEADER = 'x-queuekeeper-signature';
export const TIMESTAMP_HEADER = 'x-queuekeeper-timestamp';
export const DELIVERY_HEADER = 'x-queuekeeper-delivery';
export const EVENT_HEADER = 'x-queuekeeper-event';

export interface RetryPolicy {
  /** Total attempts, the first included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Per attempt, so one hung receiver cannot hold an alert forever. */
  readonly timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 8000, timeoutMs: 5000 };

/** `sha256=<hex>` of the raw body: receivers recompute it over the bytes they got, before parsing. */
function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** Where the webhook points, without credentials or query strings that may carry a token. */
function safeTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

const retriable = (status: number): boolean => status >= 500 || status === 429 || status === 408;

/**
 * POSTs one signed JSON body, retrying network errors, timeouts, 408, 429 and 5xx. Other statuses
 * are the receiver refusing the request, which a retry would not change. Resolves to whether it
 * was delivered; never rejects.
 */
export async function deliver(
  hook: WebhookConfig,
  body: string,
  headers: Readonly<Record<string, string>>,
  policy: RetryPolicy,
  logger: Logger,
  cancel: AbortSignal,
): Promise<boolean> {
  const target = safeTarget(hook.url);
  for (let attempt = 0; attempt < policy.attempts; attempt++) {
    if (
      attempt > 0 &&
      !(await pause(backoffMs(attempt - 1, { baseMs: policy.baseDelayMs, maxMs: policy.maxDelayMs }), cancel))
    )
      break;
    let problem: string;
    try {
      const res = await fetch(hook.url, {
        method: 'POST',
        body,
        headers: { ...headers, 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(hook.secret, body) },
        signal: AbortSignal.any([AbortSignal.timeout(policy.timeoutMs), cancel]),
        redirect: 'error',
      });
      // Drain the body so the connection can be reused.
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return true;
      problem = `HTTP ${res.status}`;
      if (!retriable(res.status)) {
        logger.error({ target, status: res.status }, 'alert webhook refused the alert; not retrying');
        return false;
      }
    } catch (e) {
      problem = e instanceof Error ? e.message : String(e);
    }
    logger.warn({ target, attempt: attempt + 1, of: policy.attempts, problem }, 'alert webhook delivery failed');
  }
  logger.error({ target }, 'alert webhook gave up');
  return false;
}

import { randomUUID } from 'node:crypto';
import type { WebhookConfig } from '../../config/index.js';
import type { Logger } from '../../logging/logger.js';
import { settlesWithin } from '../../resilience/index.js';
import type { RunDocument } from '../types.js';
import {
  DEFAULT_RETRY,
  DELIVERY_HEADER,
  EVENT_HEADER,
  TIMESTAMP_HEADER,
  deliver,
  type RetryPolicy,
} from './webhook.js';

export { type RetryPolicy } from './webhook.js';

const FAILED_EVENT = 'maintenance.failed';

/** Tells people when maintenance did not succeed. Sending happens in the background. */
export interface AlertSender {
  /** Queues an alert for a run that failed, was interrupted or measured nothing; returns at once, never throws. */
  runFailed(run: RunDocument, nodeId: string): void;
  /** Waits for alerts in flight, at most `timeoutMs`; what is left is cancelled. */
  flush(timeoutMs: number): Promise<void>;
}

/** What a receiver gets. `sentAt` sits inside the signed body, so a replayed alert shows its age. */
export interface FailedRunAlert {
  readonly event: typeof FAILED_EVENT;
  readonly deliveryId: string;
  readonly sentAt: string;
  readonly nodeId: string;
  readonly run: {
    readonly id: string;
    readonly plan: string;
    readonly trigger: RunDocument['trigger'];
    readonly scheduledFor: string | null;
    readonly startedAt: string;
    readonly endedAt: string | null;
    readonly durationMs: number | null;
    readonly status: RunDocument['status'];
    readonly success: boolean;
    readonly measuredNothing: boolean;
    readonly failedSteps: { name: string; error: string | null }[];
    readonly steps: { name: string; status: string; error: string | null }[];
  };
}

function alertBody(run: RunDocument, nodeId: string, now: Date, deliveryId: string = randomUUID()): FailedRunAlert {
  const steps = run.steps.map((s) => ({ name: s.name, status: s.status, error: s.error }));
  return {
    event: FAILED_EVENT,
    deliveryId,
    sentAt: now.toISOString(),
    nodeId,
    run: {
      id: run.id,
      plan: run.plan,
      trigger: run.trigger,
      scheduledFor: run.scheduledFor,
      startedAt: run.startedAt,
      endedAt: run.endedAt,
      durationMs: run.durationMs,
      status: run.status,
      success: run.success,
      measuredNothing: run.measuredNothing,
      failedSteps: steps.filter((s) => s.status === 'failed').map(({ name, error }) => ({ name, error })),
      steps,
    },
  };
}

export function createAlerter(opts: {
  webhooks: readonly WebhookConfig[];
  logger: Logger;
  retry?: RetryPolicy;
  /** Receivers check the timestamp against their own clock, so this stays the real time. */
  now?: () => Date;
}): AlertSender {
  const inFlight = new Set<Promise<unknown>>();
  let cancel = new AbortController();
  const now = opts.now ?? (() => new Date());
  const logger = opts.logger.child({ component: 'alerts' });
  return {
    runFailed(run, nodeId) {
      if (opts.webhooks.length === 0) return;
      const alert = alertBody(run, nodeId, now());
      const body = JSON.stringify(alert);
      const headers = {
        [EVENT_HEADER]: FAILED_EVENT,
        [DELIVERY_HEADER]: alert.deliveryId,
        [TIMESTAMP_HEADER]: String(Math.floor(Date.parse(alert.sentAt) / 1000)),
        'user-agent': 'queuekeeper-alerts',
      };
      for (const hook of opts.webhooks) {
        const p = deliver(
          hook,
          body,
          headers,
          opts.retry ?? DEFAULT_RETRY,
          logger.child({ runId: run.id }),
          cancel.signal,
        )
          .catch((e: unknown) => logger.error({ err: e }, 'alert delivery crashed'))
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
    },
    async flush(timeoutMs) {
      if (inFlight.size === 0) return;
      await settlesWithin(Promise.allSettled([...inFlight]), timeoutMs);
      if (inFlight.size > 0) {
        logger.warn({ pending: inFlight.size }, 'maintenance alerts still unsent at shutdown; giving up on them');
        cancel.abort();
        await Promise.allSettled([...inFlight]);
        cancel = new AbortController();
      }
    },
  };
}

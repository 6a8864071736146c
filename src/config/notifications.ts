import { intVar, onOff, type Env } from './env-values.js';

export interface NotificationsConfig {
  /** Webhook URLs may name loopback, private and link-local addresses (QK_WEBHOOK_PRIVATE). */
  readonly allowPrivateAddresses: boolean;
  /** A receiver that has not answered by then is cut off and the attempt counts as failed. */
  readonly timeoutMs: number;
  /** How often each node looks for deliveries that are due. */
  readonly pollMs: number;
}

export function notificationsConfig(env: Env): NotificationsConfig {
  return {
    allowPrivateAddresses: onOff(env, 'QK_WEBHOOK_PRIVATE') ?? false,
    timeoutMs: (intVar(env, 'QK_WEBHOOK_TIMEOUT_SECONDS', 1, 300) ?? 10) * 1000,
    pollMs: intVar(env, 'QK_WEBHOOK_POLL_MS', 50, 60_000) ?? 1000,
  };
}

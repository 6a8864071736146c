import { ConfigError } from '../errors/index.js';
import { intVar, onOff, type Env } from './env-values.js';

export interface NotificationsConfig {
  /** Webhook URLs may name loopback, private and link-local addresses (QK_WEBHOOK_PRIVATE). */
  readonly allowPrivateAddresses: boolean;
  /** A receiver that has not answered by then is cut off and the attempt counts as failed. */
  readonly timeoutMs: number;
  /** How often each node looks for deliveries that are due. */
  readonly pollMs: number;
  /** `smtp://` or `smtps://` (QK_SMTP_URL): customers with an email contact get near and called messages. */
  readonly smtpUrl: string | null;
  /** The sender of those messages (QK_SMTP_FROM). */
  readonly mailFrom: string;
}

function smtpUrl(env: Env): string | null {
  const raw = env.QK_SMTP_URL;
  if (raw === undefined || raw === '') return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('QK_SMTP_URL', 'is not a URL; use smtp://user:pass@host:port or smtps://…');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    throw new ConfigError('QK_SMTP_URL', `must start with smtp:// or smtps://, got "${url.protocol}//"`);
  if (!url.hostname) throw new ConfigError('QK_SMTP_URL', 'names no host');
  return raw;
}

export function notificationsConfig(env: Env): NotificationsConfig {
  return {
    allowPrivateAddresses: onOff(env, 'QK_WEBHOOK_PRIVATE') ?? false,
    timeoutMs: (intVar(env, 'QK_WEBHOOK_TIMEOUT_SECONDS', 1, 300) ?? 10) * 1000,
    pollMs: intVar(env, 'QK_WEBHOOK_POLL_MS', 50, 60_000) ?? 1000,
    smtpUrl: smtpUrl(env),
    mailFrom: mailFrom(env.QK_SMTP_FROM),
  };
}

function mailFrom(raw: string | undefined): string {
  if (raw === undefined || raw === '') return 'queuekeeper <noreply@localhost>';
  if (!/^[^\s@<>]+@[^\s@<>]+$|^[^<>]*<[^\s@<>]+@[^\s@<>]+>$/.test(raw))
    throw new ConfigError('QK_SMTP_FROM', 'must be an address, optionally "Name <address>"');
  return raw;
}

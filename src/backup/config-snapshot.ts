import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../config/index.js';
import { isoTime } from './manifest.js';

/**
 * The configuration snapshot: the resolved config as it ran, with every secret replaced by a
 * marker and the secret's sha256, so two snapshots tell whether a key changed without holding it.
 */
const SECRET_KEYS = new Set(['masterKey', 'apiKey', 'encryptionKey', 'secret', 'password', 'token']);

const sha256 = (v: string | Buffer): string => createHash('sha256').update(v).digest('hex');
const marker = (v: string | Buffer) => ({ redacted: true as const, sha256: sha256(v) });

/** A URL keeps its shape for readers; only the password goes. */
function redactUrl(s: string): unknown {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) return s;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return s;
  }
  if (u.password === '') return s;
  const password = decodeURIComponent(u.password);
  u.password = 'redacted';
  return { ...marker(password), url: u.toString() };
}

function redact(value: unknown, key: string, underWebhooks: boolean): unknown {
  if (value === null || value === undefined) return null;
  if (SECRET_KEYS.has(key)) return marker(Buffer.isBuffer(value) ? value : String(value));
  // Webhook URLs (Slack and the like) carry their credential in the path: the whole URL is secret.
  if (underWebhooks && key === 'url' && typeof value === 'string')
    return { ...marker(value), origin: URL.canParse(value) ? new URL(value).origin : null };
  if (Buffer.isBuffer(value)) return marker(value);
  if (typeof value === 'string') return redactUrl(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, '', underWebhooks));
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, redact(v, k, underWebhooks || k === 'alertWebhooks')]),
    );
  }
  return value;
}

export function configSnapshot(config: Config, at: Date): ConfigSnapshot {
  return { format: 1, takenAt: at.toISOString(), config: redact(config, '', false) as ConfigSnapshot['config'] };
}

const secretMarker = z
  .object({
    redacted: z.literal(true),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    url: z.string().optional(),
    origin: z.string().nullable().optional(),
  })
  .strict();

export const configSnapshotSchema = z
  .object({
    format: z.literal(1),
    takenAt: isoTime,
    config: z
      .object({
        dataDir: z.string(),
        database: z.object({ kind: z.enum(['sqlite', 'postgres']) }).loose(),
        masterKey: secretMarker.nullable(),
        apiKey: secretMarker.nullable(),
        backup: z.object({ encryptionKey: secretMarker.nullable(), maxAgeMs: z.number() }).loose(),
        maintenance: z.object({ plans: z.array(z.object({ name: z.string() }).loose()) }).loose(),
      })
      .loose(),
  })
  .strict();

export type ConfigSnapshot = z.infer<typeof configSnapshotSchema>;

import { z } from 'zod';
import { ADMISSION_METHODS, PRIORITIES, QUEUE_MODES, QUEUE_STATUSES, TICKET_STATUSES } from '../domain/types.js';
import { EMAIL_LANGS } from '../domain/email-catalogues.js';
import { emailAddress } from '../domain/notify-email.js';
import { NUMBERINGS } from '../domain/numbering.js';
import { MAX_SESSION_SECONDS } from '../domain/passes.js';

/** Ids are opaque strings of at most 64 characters from [A-Za-z0-9_-] (docs/api.md). */
export const idSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters from A-Z a-z 0-9 _ -');

/** C0 controls and DEL: they break logs and terminals that show these fields. */
const hasControlCharacter = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
};

const knownTimezone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/** Printable text without control characters; lengths are in characters. */
const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !hasControlCharacter(s), 'must not contain control characters');

const metadataSchema = z
  .record(z.string().max(64), z.union([z.string().max(500), z.number(), z.boolean(), z.null()]))
  .refine((m) => Object.keys(m).length <= 20, 'at most 20 metadata keys')
  .refine((m) => JSON.stringify(m).length <= 4096, 'metadata must be at most 4 KiB as JSON');

/** A waiting room's admission (docs/waiting-room.md); every field is optional in a request. */
export const admissionSchema = z
  .object({
    newPerMinute: z.number().int().min(1).max(100_000),
    maxActive: z.number().int().min(1).max(10_000_000).nullable(),
    sessionSeconds: z.number().int().min(1).max(MAX_SESSION_SECONDS),
    method: z.enum(ADMISSION_METHODS),
    opensAt: z.iso.datetime({ offset: true }).nullable(),
    idleSeconds: z.number().int().min(1).max(86_400),
    siteUrl: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .max(2048)
      .nullable()
      .describe('The protected site the ticket page continues to, with the pass'),
  })
  .strict();

export const settingsSchema = z
  .object({
    averageServiceSeconds: z.number().positive().max(86_400),
    ticketTtlSeconds: z
      .number()
      .int()
      .min(0)
      .max(30 * 86_400),
    etaCoverageTarget: z.number().min(0.5).max(0.99),
    admission: admissionSchema.partial().strict(),
    notifyAtPosition: z.number().int().min(1).max(1000),
    numbering: z.enum(NUMBERINGS),
    timezone: z.string().max(64).refine(knownTimezone, 'must be an IANA time zone, such as Europe/Madrid'),
  })
  .partial()
  .strict();

/** A queue's name: the console and the pages show it, so it must have something to show. */
const queueName = text(200).refine((s) => s.trim() !== '', 'must not be empty or blank');

export const createQueueBody = z
  .object({
    name: queueName,
    mode: z.enum(QUEUE_MODES),
    capacity: z.number().int().min(1).max(10_000_000).nullable().optional(),
    settings: settingsSchema.optional(),
  })
  .strict()
  .refine((b) => b.mode === 'waiting_room' || b.settings?.admission === undefined, {
    message: 'admission applies to waiting-room queues only',
    path: ['settings', 'admission'],
  });

export const patchQueueBody = z
  .object({
    name: queueName.optional(),
    status: z.enum(QUEUE_STATUSES).optional(),
    capacity: z.number().int().min(1).max(10_000_000).nullable().optional(),
    settings: settingsSchema.optional(),
  })
  .strict();

export const joinBody = z
  .object({
    name: text(200).nullable().optional(),
    contact: text(320).nullable().optional(),
    metadata: metadataSchema.nullable().optional(),
    priority: z.enum(PRIORITIES).optional(),
    /** An address for the near and called emails; kept as the ticket's contact. */
    email: z
      .string()
      .max(254)
      .refine((s) => emailAddress(s) !== null, 'must be an email address, such as ana@example.com')
      .optional(),
    lang: z.enum(EMAIL_LANGS).optional(),
  })
  .strict()
  .refine((b) => b.email === undefined || b.contact === undefined || b.contact === null, {
    message: 'give either email or contact, not both',
    path: ['email'],
  })
  .nullish();

/** At least 16 characters: a key is all that stands between a replay and the ticket's token. */
export const idempotencyHeader = z
  .string()
  .regex(/^[\x21-\x7e]{16,200}$/, 'must be 16-200 visible ASCII characters (an unguessable value, such as a UUID)');

export const listTicketsQuery = z
  .object({
    status: z.enum(TICKET_STATUSES).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.string().max(500).optional(),
  })
  .strict();

export const counterBody = z
  .object({ counter: text(64).min(1).nullable().optional() })
  .strict()
  .nullish();

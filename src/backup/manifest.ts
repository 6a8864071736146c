import { existsSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { messageOf } from '../errors/index.js';
import { BACKUP_ID } from './ids.js';

/**
 * manifest.json: what a backup holds and how to prove it. It is read back from disk, so it is
 * validated like any other input: a hand-edited or truncated manifest is a finding, not a crash.
 */
const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`), `must be ${n} lower-case hex digits`);
const count = z.number().int().min(0);
export const isoTime = z.iso.datetime();

const fileEntry = z
  .object({
    // A plain name: the manifest must never point outside its own folder.
    name: z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'must be a plain file name'),
    size: count,
    sha256: hex(64),
    iv: hex(24).optional(),
    tag: hex(32).optional(),
  })
  .strict();

export const FILE_ROLES = ['database', 'live', 'configuration'] as const;

export const manifestSchema = z
  .object({
    format: z.literal(1),
    id: z.string().regex(BACKUP_ID),
    createdAt: isoTime,
    durationMs: z.number().min(0),
    app: z.object({ name: z.string().min(1).max(100), version: z.string().min(1).max(100) }).strict(),
    schemaVersion: count,
    database: z
      .object({
        kind: z.enum(['sqlite', 'postgres']),
        schema: z
          .string()
          .regex(/^[a-z_][a-z0-9_]{0,62}$/)
          .nullable(),
        serverVersion: z.string().max(200).nullable(),
        tool: z.string().max(500).nullable(),
        dumpStartedAt: isoTime,
        dumpEndedAt: isoTime,
        /** Meta entries kept beside a dump that leaves them out (store/dump-contract.ts). */
        meta: z.record(z.string().max(200), z.string().max(10_000)).optional(),
        /** Secret meta entries, sealed under a key derived from the signing key (secrets.ts). */
        secrets: z.record(z.string().max(100), z.string().max(1_000)).optional(),
      })
      .strict(),
    live: z.object({ backend: z.enum(['memory', 'redis']), takenAt: isoTime, queues: count, entries: count }).strict(),
    encryption: z
      .object({ algorithm: z.literal('aes-256-gcm'), keyId: hex(16) })
      .strict()
      .nullable(),
    files: z.object({ database: fileEntry, live: fileEntry, configuration: fileEntry }).strict(),
    tables: z.record(z.string().regex(/^[a-z_]{1,64}$/), count),
    // Optional only so that an unsigned manifest is reported by the signature check, by name.
    signature: z
      .object({ algorithm: z.literal('hmac-sha256'), keyId: hex(16), value: hex(64) })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    const names = FILE_ROLES.map((r) => m.files[r].name);
    if (new Set(names).size !== names.length)
      ctx.addIssue({ code: 'custom', path: ['files'], message: 'file names must differ' });
    for (const role of FILE_ROLES) {
      const f = m.files[role];
      const sealed = f.iv !== undefined && f.tag !== undefined;
      if ((m.encryption !== null) !== sealed)
        ctx.addIssue({
          code: 'custom',
          path: ['files', role],
          message: m.encryption ? 'an encrypted file needs iv and tag' : 'iv and tag without encryption',
        });
    }
  });

export type Manifest = z.infer<typeof manifestSchema>;
export type FileRole = (typeof FILE_ROLES)[number];
export const MANIFEST_FILE = 'manifest.json';
const MAX_MANIFEST_BYTES = 1 << 20;

/** The first issue of a failed parse, with its path, as one line. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue?.path.map(String).join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`;
}

export type ManifestRead = { ok: true; manifest: Manifest } | { ok: false; missing: boolean; reason: string };

export async function readManifest(dir: string, id: string): Promise<ManifestRead> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    const s = await stat(path);
    if (s.size > MAX_MANIFEST_BYTES)
      return { ok: false, missing: false, reason: `manifest.json is ${s.size} bytes, larger than any manifest` };
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      ok: false,
      missing: code === 'ENOENT',
      reason: code === 'ENOENT' ? 'manifest.json is missing' : `manifest.json cannot be read: ${code ?? messageOf(e)}`,
    };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, missing: false, reason: `manifest.json is not valid JSON: ${messageOf(e)}` };
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success)
    return { ok: false, missing: false, reason: `manifest.json is malformed at ${firstIssue(parsed.error)}` };
  if (parsed.data.id !== id)
    return { ok: false, missing: false, reason: `manifest.json describes backup ${parsed.data.id}, not ${id}` };
  return { ok: true, manifest: parsed.data };
}

let app: { name: string; version: string } | undefined;

/** Name and version from the nearest package.json above this module, from source or build alike. */
export function appInfo(): { name: string; version: string } {
  if (app) return app;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name && pkg.version) return (app = { name: pkg.name, version: pkg.version });
    }
    const up = dirname(dir);
    if (up === dir) return (app = { name: 'queuekeeper', version: 'unknown' });
    dir = up;
  }
}

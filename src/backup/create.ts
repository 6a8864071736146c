import { access, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Config } from '../config/index.js';
import { AppError, BackupError, messageOf } from '../errors/index.js';
import type { LiveBackend } from '../live/contract.js';
import type { Store } from '../store/contract.js';
import { keyId } from './cipher.js';
import { configSnapshot } from './config-snapshot.js';
import { openDumpEngine } from '../store/open-dump.js';
import { ensurePrivateDir } from '../store/private-dir.js';
import { storeFile, writePrivateFile } from './files.js';
import { backupPath, isBackupId, newBackupId, tmpBackupPath } from './ids.js';
import { BackupLease } from './lease.js';
import { takeLiveSnapshot } from './live-snapshot.js';
import { appInfo, MANIFEST_FILE, manifestSchema, type Manifest } from './manifest.js';
import { sealedSecrets } from './secrets.js';
import { signDocument, signerFor } from './signature.js';

/** What creating a backup needs: the node's own store and live index, and its config. */
export interface BackupDeps {
  readonly config: Config;
  readonly store: Store;
  readonly live: LiveBackend;
  readonly now?: () => Date;
  readonly signal?: AbortSignal;
  readonly progress?: (line: string) => void;
}

export interface BackupSummary {
  readonly id: string;
  readonly path: string;
  readonly createdAt: string;
  readonly durationMs: number;
  readonly sizeBytes: number;
  readonly encrypted: boolean;
  readonly database: 'sqlite' | 'postgres';
  readonly tables: Record<string, number>;
  readonly liveEntries: number;
}

const running = new Map<string, Promise<unknown>>();

/** Backups into one folder run one at a time per process: they would only compete for the disk. */
function oneAtATime<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const next = (running.get(key) ?? Promise.resolve()).catch(() => undefined).then(fn);
  running.set(key, next);
  void next
    .finally(() => {
      if (running.get(key) === next) running.delete(key);
    })
    .catch(() => undefined);
  return next;
}

const gone = (dir: string): Promise<boolean> =>
  access(dir).then(
    () => false,
    (e: NodeJS.ErrnoException) => e.code === 'ENOENT',
  );

/** Only a prune removes a `.tmp-` folder under its writer: the write failed because of that claim. */
const claimedMidWrite = (cause: unknown): BackupError =>
  new BackupError(
    'backup_claimed',
    `a prune judged this backup create crashed and removed its folder while it was writing (${messageOf(cause)}); the backup was not written`,
    { cause },
  );

const json = (value: unknown): Readable => Readable.from([Buffer.from(JSON.stringify(value))]);

/**
 * Creates a backup: live snapshot, then the database dump, then the configuration snapshot and
 * the manifest. Everything is written into `.tmp-<id>` and renamed to `<id>` only when complete,
 * so a crash leaves no folder that looks like a backup; the folder's heartbeat (lease.ts) tells
 * every node whether its writer still runs.
 */
export async function createBackup(deps: BackupDeps, opts: { id?: string } = {}): Promise<BackupSummary> {
  const now = deps.now ?? (() => new Date());
  const id = opts.id ?? newBackupId(now());
  if (!isBackupId(id)) throw new AppError('validation_failed', 'a backup id is 1-64 characters from A-Z a-z 0-9 _ -');
  return oneAtATime(deps.config.backup.dir, () => create(deps, id, now));
}

async function create(deps: BackupDeps, id: string, now: () => Date): Promise<BackupSummary> {
  const { config, signal } = deps;
  const say = deps.progress ?? (() => undefined);
  const key = config.backup.encryptionKey;
  const suffix = key ? '.enc' : '';
  const started = performance.now();
  const createdAt = now();
  // Before any work: a backup that cannot be signed is not worth the dump.
  const signer = await signerFor(config);
  await ensurePrivateDir(config.backup.dir);
  const work = tmpBackupPath(config.backup.dir, id);
  await mkdir(work, { mode: 0o700 });
  const lease = new BackupLease(work, {
    onBeatError: (e) => say(`warning: the backup's heartbeat could not be written: ${messageOf(e)}`),
  });
  try {
    await lease.start();
    // The snapshot comes first: verify explains differences by changes made after it.
    say('taking the live-state snapshot');
    const live = await takeLiveSnapshot(deps.live, now);
    const liveFile = await storeFile(json(live), join(work, `live.json${suffix}`), key, signal);
    const engine = openDumpEngine(config.database.kind, config);
    say(`dumping the ${engine.kind} database`);
    const dump = await engine.dump(
      work,
      (plain) => storeFile(plain, join(work, `${engine.fileName}${suffix}`), key, signal),
      now,
      signal,
    );
    const configFile = await storeFile(
      json(configSnapshot(config, now())),
      join(work, `config.json${suffix}`),
      key,
      signal,
    );
    const secrets = await sealedSecrets(deps.store, signer);
    const body: Manifest = manifestSchema.parse({
      format: 1,
      id,
      createdAt: createdAt.toISOString(),
      durationMs: Math.round(performance.now() - started),
      app: appInfo(),
      schemaVersion: dump.schemaVersion,
      database: {
        kind: engine.kind,
        schema: dump.schema,
        serverVersion: dump.serverVersion,
        tool: dump.tool,
        dumpStartedAt: dump.startedAt.toISOString(),
        dumpEndedAt: dump.endedAt.toISOString(),
        ...(dump.meta ? { meta: dump.meta } : {}),
        ...(Object.keys(secrets).length > 0 ? { secrets } : {}),
      },
      live: {
        backend: live.backend,
        takenAt: live.takenAt,
        queues: live.counters.queues,
        entries: live.counters.entries,
      },
      encryption: key ? { algorithm: 'aes-256-gcm', keyId: keyId(key) } : null,
      files: { database: dump.file, live: liveFile, configuration: configFile },
      tables: dump.tables,
    } satisfies Manifest);
    const manifest = signDocument(body, signer);
    await writePrivateFile(join(work, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
    const path = backupPath(config.backup.dir, id);
    await lease.finish(path);
    say(`backup ${id} written`);
    return {
      id,
      path,
      createdAt: manifest.createdAt,
      durationMs: Math.round(performance.now() - started),
      sizeBytes: dump.file.size + liveFile.size + configFile.size,
      encrypted: key !== null,
      database: engine.kind,
      tables: dump.tables,
      liveEntries: live.counters.entries,
    };
  } catch (e) {
    // No beat may land in the folder while it is removed.
    await lease.stop();
    if (!(e instanceof BackupError && e.reason === 'backup_claimed') && (await gone(work))) throw claimedMidWrite(e);
    await rm(work, { recursive: true, force: true });
    throw e;
  } finally {
    await lease.stop();
  }
}

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig, type Config, type DatabaseConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/logging/logger.js';
import { signDocument, signerFor } from '../../src/backup/signature.js';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.js';
import { OUR_TABLES } from '../../src/store/kysely/schema.js';
import { openPostgres } from '../../src/store/postgres/connect.js';
import { openSqlite } from '../../src/store/sqlite/connect.js';
import { skipPg, skipRedis, TEST_DATABASE_URL, TEST_REDIS_URL, uniqueName } from '../support/env.js';
import { withPg } from '../support/pg.js';

/** The backends every behaviour runs on: SQLite always, PostgreSQL and Redis when configured. */
export const BACKENDS = [
  { name: 'sqlite', skip: false as const },
  { name: 'postgres', skip: skipPg },
] as const;
export { skipRedis };
export type Backend = 'sqlite' | 'postgres';

export const KEY_A = 'a1'.repeat(32);
export const KEY_B = 'b2'.repeat(32);

export const pgUrl = (schema: string, database?: string): string => {
  const u = new URL(TEST_DATABASE_URL);
  if (database) u.pathname = `/${database}`;
  u.searchParams.set('schema', schema);
  return u.toString();
};

/**
 * What a test file created and must remove in `after`: temp folders, PostgreSQL schemas and
 * databases, Redis key prefixes. Each test gets its own, so no test depends on another.
 */
export class Scratch {
  private readonly dirs: string[] = [];
  private readonly schemas: string[] = [];
  private readonly databases: string[] = [];
  private readonly prefixes: string[] = [];
  private readonly runtimes: Runtime[] = [];

  async dir(): Promise<string> {
    const d = await mkdtemp(join(tmpdir(), 'qk-backup-test-'));
    this.dirs.push(d);
    return d;
  }

  schema(): string {
    const s = uniqueName('bk');
    this.schemas.push(s);
    return s;
  }

  /** A new, empty PostgreSQL database on the test server, for restore targets. */
  async database(): Promise<string> {
    const name = uniqueName('qk_bk_target');
    await withPg(TEST_DATABASE_URL, (c) => c.query(`CREATE DATABASE "${name}"`));
    this.databases.push(name);
    return name;
  }

  redisPrefix(): string {
    const p = `${uniqueName('qkbk')}:`;
    this.prefixes.push(p);
    return p;
  }

  track(rt: Runtime): Runtime {
    this.runtimes.push(rt);
    return rt;
  }

  async cleanup(): Promise<void> {
    for (const rt of this.runtimes.splice(0)) await rt.close().catch(() => undefined);
    for (const d of this.dirs.splice(0)) await rm(d, { recursive: true, force: true });
    if (this.schemas.length + this.databases.length > 0)
      await withPg(TEST_DATABASE_URL, async (c) => {
        for (const s of this.schemas.splice(0)) await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
        for (const d of this.databases.splice(0)) await c.query(`DROP DATABASE IF EXISTS "${d}" WITH (FORCE)`);
      });
    if (this.prefixes.length > 0) {
      const r = new Redis(TEST_REDIS_URL);
      for (const p of this.prefixes.splice(0)) {
        const keys = await r.keys(`${p}*`);
        if (keys.length > 0) await r.del(...keys);
      }
      r.disconnect();
    }
  }
}

export interface System {
  readonly config: Config;
  readonly rt: Runtime;
  readonly env: Record<string, string>;
}

/** A real node (store, live index, queue service) on its own data dir and database. */
export async function system(
  scratch: Scratch,
  backend: Backend,
  opts: { key?: string; redis?: boolean; env?: Record<string, string> } = {},
): Promise<System> {
  const env: Record<string, string> = {
    QK_DATA_DIR: await scratch.dir(),
    QK_SCHEDULER: 'off',
    LOG_LEVEL: 'silent',
    ...opts.env,
  };
  if (backend === 'postgres') env.DATABASE_URL = pgUrl(scratch.schema());
  if (opts.key) env.QK_BACKUP_ENCRYPTION_KEY = opts.key;
  if (opts.redis) Object.assign(env, { REDIS_URL: TEST_REDIS_URL, QK_REDIS_PREFIX: scratch.redisPrefix() });
  const config = loadConfig(env);
  const rt = scratch.track(await createRuntime(config, { logger: createLogger({ level: 'silent' }) }));
  return { config, rt, env };
}

export interface Seeded {
  readonly queues: string[];
  /** Tokens of some waiting tickets, to prove the restored token hashes still answer. */
  readonly tokens: Map<string, string>;
}

/** Queues and tickets in every status, priorities, metadata and a key: every table has rows. */
export async function seed(rt: Runtime): Promise<Seeded> {
  const a = await rt.service.createQueue({ name: 'Desk A', mode: 'service' });
  const b = await rt.service.createQueue({ name: 'Entry B', mode: 'waiting_room', capacity: 500 });
  const tokens = new Map<string, string>();
  for (let i = 0; i < 30; i++) {
    const { result } = await rt.service.join(
      i % 3 === 0 ? b.id : a.id,
      {
        name: `Guest ${i}`,
        contact: `g${i}@example.org`,
        metadata: { visit: i, vip: i % 5 === 0 },
        priority: i % 7 === 0 ? 'high' : 'normal',
      },
      i % 4 === 0 ? `idem-${i}` : null,
    );
    tokens.set(result.id, result.token);
  }
  const called = await rt.service.callNext(a.id, 'desk 1');
  if (called) await rt.service.act(called.id, 'serve');
  const again = await rt.service.callNext(a.id, 'desk 2');
  if (again) await rt.service.act(again.id, 'requeue');
  await rt.service.callNext(b.id, null);
  const leaver = [...tokens.keys()][5] as string;
  await rt.service.leave(leaver, tokens.get(leaver));
  tokens.delete(leaver);
  await rt.store.createKey(
    { id: uniqueName('key'), role: 'operator', name: 'desk', keyHash: 'f'.repeat(64) },
    new Date(),
  );
  return { queues: [a.id, b.id], tokens };
}

/** Every row of every table, in a stable order, for whole-database comparisons. */
export async function tableRows(db: DatabaseConfig): Promise<Record<string, string[]>> {
  const parts = db.kind === 'sqlite' ? openSqlite(db.path) : openPostgres({ url: db.url, schema: db.schema });
  try {
    const out: Record<string, string[]> = {};
    for (const t of OUR_TABLES)
      out[t] = (await parts.db.selectFrom(t).selectAll().execute())
        .map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)))
        .sort();
    return out;
  } finally {
    await parts.close();
  }
}

/** Positions of every waiting ticket, as the node's service answers them. */
export async function positions(rt: Runtime): Promise<Map<string, number | null>> {
  const out = new Map<string, number | null>();
  for (const q of await rt.service.listQueues()) {
    const page = await rt.service.listTickets(q.id, { limit: 500 });
    for (const t of page.items) out.set(t.id, t.position);
  }
  return out;
}

/**
 * Edits a backup's manifest as someone holding this installation's signing key could: the edit is
 * signed again, so the check that catches it is the one about what was edited.
 */
export async function editSignedManifest<T extends object>(
  config: Config,
  backupDir: string,
  edit: (m: T) => void,
): Promise<void> {
  const path = join(backupDir, 'manifest.json');
  const m = JSON.parse(await readFile(path, 'utf8')) as T;
  edit(m);
  await writeFile(path, JSON.stringify(signDocument(m, await signerFor(config))));
}

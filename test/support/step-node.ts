/**
 * A node for step tests: a real runtime over one backend combination, on its own data folder,
 * PostgreSQL schema and Redis prefix, with HTTP on demand for the steps that probe it. Hand it to
 * `stepContextOf` (./maintenance.ts) for the context the engine would build.
 */
import { after, before } from 'node:test';
import { openDatabase, prepareKept } from '../../src/store/sqlite/driver.js';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { loadConfig, type Config, type MaintenanceConfig } from '../../src/config/index.js';
import { buildApp } from '../../src/http/app.js';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.js';
import type { Combo } from './harness.js';
import { LENIENT } from './maintenance.js';
import { withPg } from './pg.js';

export interface StepNode {
  readonly rt: Runtime;
  readonly store: Runtime['store'];
  readonly live: Runtime['live'];
  readonly nodeId: string;
  /** What a step reads; `baseUrl` is the node's own once `listen()` has run. */
  readonly config: Config;
  /** Set once `listen()` has run: the server's base URL on loopback. */
  readonly url: string | null;
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** A field given replaces its default whole. */
export interface StepNodeOptions {
  /** Env over the isolation's; by default joins are not rate limited. */
  readonly env?: Record<string, string>;
  /**
   * Over the loaded maintenance settings; by default thresholds no test machine misses and a short
   * self-probe, so a step's status depends on the system under test. `{}` keeps the configured ones.
   */
  readonly maintenance?: Partial<MaintenanceConfig>;
  /** The runtime's logger, made from the loaded config (the product's own logger, for log tests). */
  readonly logger?: (config: Config) => Logger;
}

const STEP_DEFAULTS = {
  env: { QK_JOIN_RATE_LIMIT: '0' },
  maintenance: { thresholds: LENIENT, probeMs: 300 },
} as const;

export async function openStepNode(combo: Combo, opts: StepNodeOptions = {}): Promise<StepNode> {
  const iso = combo.isolate();
  const env = { QK_SCHEDULER: 'off', LOG_LEVEL: 'silent', ...iso.env, ...(opts.env ?? STEP_DEFAULTS.env) };
  const loaded = loadConfig(env);
  let config: Config = {
    ...loaded,
    maintenance: { ...loaded.maintenance, ...(opts.maintenance ?? STEP_DEFAULTS.maintenance) },
  };
  const logger = opts.logger?.(loaded) ?? pino({ level: 'silent' });
  const rt = await createRuntime(config, { logger });
  let app: FastifyInstance | null = null;
  let url: string | null = null;
  return {
    rt,
    store: rt.store,
    live: rt.live,
    nodeId: rt.nodeId,
    get config() {
      return config;
    },
    get url() {
      return url;
    },
    async listen() {
      app = await buildApp(rt);
      await app.listen({ port: 0, host: '127.0.0.1' });
      const addr = app.server.address();
      url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
      config = { ...config, baseUrl: url };
      return url;
    },
    async close() {
      await app?.close();
      await rt.close();
      await iso.cleanup();
    },
  };
}

/** A node opened before a describe's tests and closed after them; read `.node` inside the tests. */
export function stepNodeFixture(combo: Combo, opts: StepNodeOptions = {}): { node: StepNode } {
  const f = {} as { node: StepNode };
  before(async () => {
    f.node = await openStepNode(combo, opts);
  });
  after(async () => {
    await f.node?.close();
  });
  return f;
}

/** A fresh node for one test, listening for the self-probe, closed when `fn` ends. */
export async function withStepNode(combo: Combo, fn: (node: StepNode) => Promise<void>): Promise<void> {
  const node = await openStepNode(combo);
  try {
    await node.listen();
    await fn(node);
  } finally {
    await node.close();
  }
}

/** Runs SQL on the node's database outside the product's store, to plant faults it would refuse. */
export async function rawSql(
  config: Config,
  statements: readonly { sql: string; params?: unknown[] }[],
): Promise<void> {
  if (config.database.kind === 'sqlite') {
    const db = openDatabase(config.database.path);
    try {
      db.pragma('busy_timeout = 5000');
      for (const s of statements) prepareKept(db, s.sql).run(...(s.params ?? []));
    } finally {
      db.close();
    }
    return;
  }
  await withPg(
    config.database.url,
    async (c) => {
      // pg numbers its parameters; the statements are written with `?` for both engines.
      for (const s of statements) {
        let i = 0;
        await c.query(
          s.sql.replace(/\?/g, () => `$${++i}`),
          s.params ?? [],
        );
      }
    },
    { searchPath: config.database.schema },
  );
}

/** Joins `n` customers to a fresh open queue; returns the queue id and ticket ids in join order. */
export async function queueWith(
  rt: Runtime,
  n: number,
  name = 'counter',
): Promise<{ queueId: string; tickets: string[] }> {
  const q = await rt.service.createQueue({ name, mode: 'service' });
  const tickets: string[] = [];
  for (let i = 0; i < n; i++) tickets.push((await rt.service.join(q.id, { name: `c${i}` }, null)).result.id);
  return { queueId: q.id, tickets };
}

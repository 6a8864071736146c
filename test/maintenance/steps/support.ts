import { after, before } from 'node:test';
import type { FastifyInstance } from 'fastify';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { loadConfig, type Config, type MaintenanceConfig, type Thresholds } from '../../../src/config/index.js';
import { buildApp } from '../../../src/http/app.js';
import type { LiveBackend } from '../../../src/live/contract.js';
import type { StepContext, StepServices } from '../../../src/maintenance/step.js';
import { createRuntime, type Runtime } from '../../../src/runtime/runtime.js';
import type { Store } from '../../../src/store/contract.js';
import { COMBOS, type Combo, type Isolation } from '../../support/harness.js';
import { withPg } from '../../support/pg.js';

export { COMBOS, type Combo };
export { deleteRedisPrefix, freePort, TcpProxy } from '../../support/harness.js';

/** Thresholds no healthy test machine can miss, so a clean run's status depends on the system, not on load. */
export const LENIENT: Thresholds = {
  maxErrorCount: 1_000_000,
  maxAverageResponseMs: 1_000_000,
  maxP95ResponseMs: 1_000_000,
  minThroughput: 0,
  maxCpuPercent: 101,
  maxMemoryPercent: 101,
  maxDiskPercent: 101,
  securityBurst: 1_000_000,
};

/** One isolated node of a combination: its own data folder, PG schema and Redis prefix. */
export interface TestNode {
  readonly rt: Runtime;
  readonly config: Config;
  readonly env: Record<string, string>;
  /** Set once `listen()` has run: the server's base URL on loopback. */
  url: string | null;
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** A node opened before a describe's tests and closed after them; read `.node` inside the tests. */
export function nodeFixture(combo: Combo): { node: TestNode } {
  const f = {} as { node: TestNode };
  before(async () => {
    f.node = await openNode(combo);
  });
  after(async () => {
    await f.node?.close();
  });
  return f;
}

export async function openNode(combo: Combo): Promise<TestNode> {
  const iso: Isolation = combo.isolate();
  const config = loadConfig({ QK_SCHEDULER: 'off', LOG_LEVEL: 'silent', QK_JOIN_RATE_LIMIT: '0', ...iso.env });
  const rt = await createRuntime(config, { logger: pino({ level: 'silent' }) });
  let app: FastifyInstance | null = null;
  const node: TestNode = {
    rt,
    config,
    env: iso.env,
    url: null,
    async listen() {
      app = await buildApp(rt);
      await app.listen({ port: 0, host: '127.0.0.1' });
      const addr = app.server.address();
      node.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
      return node.url;
    },
    async close() {
      await app?.close();
      await rt.close();
      await iso.cleanup();
    },
  };
  return node;
}

export interface ContextOptions {
  readonly baseUrl?: string;
  readonly maintenance?: Partial<MaintenanceConfig>;
  readonly now?: () => Date;
  readonly store?: Store;
  readonly live?: LiveBackend;
  readonly services?: StepServices;
  readonly signal?: AbortSignal;
}

/** The context the engine would build, over the node's real store and live backend. */
export function stepContext(node: TestNode, opts: ContextOptions = {}): StepContext {
  const config: Config = {
    ...node.config,
    baseUrl: opts.baseUrl ?? node.url ?? node.config.baseUrl,
    maintenance: { ...node.config.maintenance, thresholds: LENIENT, probeMs: 300, ...opts.maintenance },
  };
  return {
    config,
    store: opts.store ?? node.rt.store,
    live: opts.live ?? node.rt.live,
    logger: pino({ level: 'silent' }),
    nodeId: node.rt.nodeId,
    runId: 'test',
    plan: 'test',
    signal: opts.signal ?? new AbortController().signal,
    now: opts.now ?? (() => new Date()),
    services: opts.services ?? {},
  };
}

/** Runs SQL on the node's database outside the product's store, to plant faults it would refuse. */
export async function rawSql(
  config: Config,
  statements: readonly { sql: string; params?: unknown[] }[],
): Promise<void> {
  if (config.database.kind === 'sqlite') {
    const db = new Database(config.database.path);
    try {
      db.pragma('busy_timeout = 5000');
      for (const s of statements) db.prepare(s.sql).run(...(s.params ?? []));
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

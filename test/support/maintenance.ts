/**
 * The maintenance tests' shared builders: an isolated database per test, a config with only the
 * test's plans, an engine node over a real store, a step context over a node's real parts, and a
 * clock the test moves. Engine and step tests use these instead of their own copies.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { pino, type Logger } from 'pino';
import { loadConfig, type Config, type MaintenanceConfig, type Thresholds } from '../../src/config/index.js';
import type { LiveBackend } from '../../src/live/contract.js';
import {
  createMaintenance,
  type Maintenance,
  type MaintenanceDeps,
  type StepRegistry,
} from '../../src/maintenance/engine/index.js';
import type { Step, StepContext, StepOutcome, StepServices } from '../../src/maintenance/step.js';
import type { Store } from '../../src/store/contract.js';
import type { MetricSample } from '../../src/store/maintenance-contract.js';
import { openStore } from '../../src/store/open.js';
import { TEST_DATABASE_URL, skipPg, uniqueName } from './env.js';
import { dropSchema } from './pg.js';

export const silent = pino({ level: 'silent' });

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

/** The shipped plans are switched off so that only a test's own plans are scheduled. */
const QUIET_DEFAULTS = Object.fromEntries(
  ['daily', 'weekly', 'monthly', 'quarterly', 'backup'].map((n) => [n, { enabled: false }]),
);

export interface Backend {
  readonly name: 'sqlite' | 'postgres';
  readonly skip: string | false;
}
export const BACKENDS: readonly Backend[] = [
  { name: 'sqlite', skip: false },
  { name: 'postgres', skip: skipPg },
];

/** A fresh database (SQLite file or PostgreSQL schema) and data dir for one test. */
export interface Isolated {
  readonly dir: string;
  readonly databaseUrl: string;
  cleanup(): Promise<void>;
}

export async function isolate(backend: Backend['name']): Promise<Isolated> {
  const dir = mkdtempSync(join(tmpdir(), 'qk-eng-'));
  if (backend === 'sqlite') {
    return { dir, databaseUrl: join(dir, 'qk.db'), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const schema = uniqueName('eng');
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('schema', schema);
  return {
    dir,
    databaseUrl: url.toString(),
    cleanup: async () => {
      await dropSchema(TEST_DATABASE_URL, schema);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ConfigInput {
  readonly plans?: Record<
    string,
    { cron?: string | null; steps?: string[]; priority?: 'high' | 'medium' | 'low'; enabled?: boolean }
  >;
  readonly maintenance?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}

export function makeConfig(iso: Isolated, input: ConfigInput = {}): Config {
  const file = join(iso.dir, `${uniqueName('config')}.json`);
  const maintenance = { heartbeatSeconds: 1, ...input.maintenance, plans: { ...QUIET_DEFAULTS, ...input.plans } };
  writeFileSync(file, JSON.stringify({ maintenance }));
  return loadConfig({
    QK_DATA_DIR: iso.dir,
    DATABASE_URL: iso.databaseUrl,
    QK_CONFIG: file,
    LOG_LEVEL: 'silent',
    ...input.env,
  });
}

/** The engine never touches the live backend, and the steps in these tests do not either. */
const unavailable = () => Promise.reject(new Error('the live backend is not part of engine tests'));
const noLive = {
  kind: 'memory',
  index: {},
  bus: {},
  limiter: {},
  sweep: unavailable,
  ping: unavailable,
  close: async () => undefined,
} as unknown as LiveBackend;

export const ok = (figures: Record<string, unknown> = {}): StepOutcome => ({
  status: 'succeeded',
  figures,
  findings: [],
});
export const quick: Step = async () => ok();

export function registry(entries: Record<string, Step>): StepRegistry {
  return new Map(Object.entries(entries));
}

export interface Node {
  readonly m: Maintenance;
  readonly store: Store;
  close(): Promise<void>;
}

type NodeDeps = Partial<Omit<MaintenanceDeps, 'config' | 'store'>> & { steps: StepRegistry };

export async function openNode(config: Config, deps: NodeDeps): Promise<Node> {
  const store = openStore(config.database);
  await store.migrate();
  const m = createMaintenance({ config, store, live: noLive, logger: silent, nodeId: uniqueName('node'), ...deps });
  return {
    m,
    store,
    close: async () => {
      await m.stop();
      await store.close();
    },
  };
}

/** A fresh database for the suite this is called in, and the engine nodes its tests open on it. */
export interface EngineSuite {
  /** The suite's database and data dir, there once its tests start. */
  readonly iso: Isolated;
  /** A config over the suite's database with only `input`'s plans. */
  config(input?: ConfigInput): Config;
  /** A node over its own store on the suite's database; the suite closes it. */
  open(config: Config, deps: NodeDeps): Promise<Node>;
}

/** Isolated before the suite's tests; every node it opened is closed, and the database dropped, after them. */
export function engineSuite(backend: Backend['name']): EngineSuite {
  let iso: Isolated | undefined;
  const nodes: Node[] = [];
  before(async () => {
    iso = await isolate(backend);
  });
  after(async () => {
    for (const n of nodes) await n.close();
    await iso?.cleanup();
  });
  const started = () => iso as Isolated;
  return {
    get iso() {
      return started();
    },
    config: (input) => makeConfig(started(), input),
    open: async (config, deps) => {
      const node = await openNode(config, deps);
      nodes.push(node);
      return node;
    },
  };
}

/**
 * One engine node for the suite this is called in, on a database of its own, opened before its
 * tests with the plans and settings of `input` (a function when they are known only then).
 */
export function suiteEngineNode(
  backend: Backend['name'],
  input: ConfigInput | (() => ConfigInput),
  deps: NodeDeps,
): Node {
  const suite = engineSuite(backend);
  let node: Node | undefined;
  before(async () => {
    node = await suite.open(suite.config(typeof input === 'function' ? input() : input), deps);
  });
  const opened = () => node as Node;
  return {
    get m() {
      return opened().m;
    },
    get store() {
      return opened().store;
    },
    close: () => opened().close(),
  };
}

/** The run documents a node under `dataDir` holds in its spool until the database takes them. */
export function spooledRuns(dataDir: string): string[] {
  try {
    return readdirSync(join(dataDir, 'spool', 'maintenance')).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
}

/** Polls until `check` returns something other than undefined/false; generous by design. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What a step context is built over: a runtime, or any node with a store and a live backend. */
export interface NodeParts {
  readonly config: Config;
  readonly store: Store;
  readonly live: LiveBackend;
  readonly nodeId: string;
}

export interface StepContextOptions {
  readonly config?: Partial<Config>;
  /** Merged into the maintenance settings (a `config.maintenance` would replace them whole). */
  readonly maintenance?: Partial<MaintenanceConfig>;
  readonly logger?: Logger;
  readonly store?: Store;
  readonly live?: LiveBackend;
  readonly now?: () => Date;
  readonly services?: StepServices;
  readonly signal?: AbortSignal;
  readonly runId?: string;
  readonly plan?: string;
}

/** What the engine hands a step, over a node's real parts; any part can be replaced (a clock, a faulty store, a signal). */
export function stepContextOf(node: NodeParts, opts: StepContextOptions = {}): StepContext {
  const config = { ...node.config, ...opts.config };
  return {
    config: opts.maintenance ? { ...config, maintenance: { ...config.maintenance, ...opts.maintenance } } : config,
    store: opts.store ?? node.store,
    live: opts.live ?? node.live,
    logger: opts.logger ?? silent,
    nodeId: node.nodeId,
    runId: opts.runId ?? 'test',
    plan: opts.plan ?? 'test',
    signal: opts.signal ?? new AbortController().signal,
    now: opts.now ?? (() => new Date()),
    services: opts.services ?? {},
  };
}

/** A clock the test moves; hand `now` to the engine or a step instead of sleeping. */
export interface TestClock {
  now(): Date;
  advance(ms: number): Date;
}

export function testClock(start: string | Date): TestClock {
  let at = new Date(start);
  return {
    now: () => at,
    advance: (ms) => (at = new Date(at.getTime() + ms)),
  };
}

/** A stored sample as the sampler writes it; `requests` is the sum of the routes' counts. */
export function sample(at: Date, routes: MetricSample['routes'], extra: Partial<MetricSample> = {}): MetricSample {
  const requests = Object.values(routes).reduce((n, r) => n + r.count, 0);
  return {
    nodeId: 'n1',
    at,
    requests,
    errors: 0,
    avgMs: null,
    p95Ms: null,
    p99Ms: null,
    cpuPercent: 20,
    memoryPercent: 40,
    eventLoopLagP99Ms: 1,
    waitingTotal: 0,
    routes,
    ...extra,
  };
}

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropSchema } from '../../support/pg.js';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../../src/config/index.js';
import type { LiveBackend } from '../../../src/live/contract.js';
import {
  createMaintenance,
  type Maintenance,
  type MaintenanceDeps,
  type StepRegistry,
} from '../../../src/maintenance/engine/index.js';
import type { Step, StepOutcome } from '../../../src/maintenance/step.js';
import type { Store } from '../../../src/store/contract.js';
import { openStore } from '../../../src/store/open.js';
import { TEST_DATABASE_URL, skipPg, uniqueName } from '../../support/env.js';

export const silent = pino({ level: 'silent' });

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
export const noLive = {
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

export async function openNode(
  config: Config,
  deps: Partial<Omit<MaintenanceDeps, 'config' | 'store'>> & { steps: StepRegistry },
): Promise<Node> {
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

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

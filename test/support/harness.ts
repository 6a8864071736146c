import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { dropSchema } from './pg.js';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/index.js';
import { buildApp } from '../../src/http/app.js';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.js';
import type { Logger } from '../../src/logging/logger.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL, skipPg, skipRedis, uniqueName } from './env.js';

export const MASTER_KEY = 'test-master-key-0123456789abcdef0123456789';

/** One backend combination the behaviour suite runs on. */
export interface Combo {
  readonly name: string;
  readonly skip: string | false;
  /** Env for a node of this combination; every call to `isolate()` gives a fresh database/prefix. */
  isolate(): Isolation;
}

export interface Isolation {
  readonly env: Record<string, string>;
  cleanup(): Promise<void>;
}

function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `qk-${label}-`));
}

export const COMBOS: Combo[] = [
  {
    name: 'SQLite + in-process',
    skip: false,
    isolate() {
      const dir = tempDir('sqlite');
      return { env: { QK_DATA_DIR: dir }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'PostgreSQL + Redis',
    skip: skipPg || skipRedis,
    isolate() {
      const dir = tempDir('pg');
      const schema = uniqueName('t');
      const prefix = `${uniqueName('qk')}:`;
      const url = new URL(TEST_DATABASE_URL);
      url.searchParams.set('schema', schema);
      return {
        env: { QK_DATA_DIR: dir, DATABASE_URL: url.toString(), REDIS_URL: TEST_REDIS_URL, QK_REDIS_PREFIX: prefix },
        cleanup: async () => {
          await dropSchema(TEST_DATABASE_URL, schema);
          await deleteRedisPrefix(prefix);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];

/** Deletes this test's keys only (SCAN by prefix); never FLUSHALL on a shared server. */
export async function deleteRedisPrefix(prefix: string): Promise<void> {
  const r = new Redis(TEST_REDIS_URL, { lazyConnect: true });
  await r.connect();
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await r.del(...keys);
  } while (cursor !== '0');
  await r.quit();
}

export interface Node {
  readonly rt: Runtime;
  readonly app: FastifyInstance;
  readonly url: string;
  close(): Promise<void>;
}

/** What a test may add to a node: its own log sink, and hooks registered before the node listens. */
export interface NodeOptions {
  readonly logger?: Logger;
  readonly beforeListen?: (app: FastifyInstance) => void;
}

/** Starts a real node (runtime + HTTP on a free loopback port) with the given env. */
export async function startNode(
  env: Record<string, string>,
  extra: Record<string, string> = {},
  opts: NodeOptions = {},
): Promise<Node> {
  const config = loadConfig({
    QK_MASTER_KEY: MASTER_KEY,
    QK_SCHEDULER: 'off',
    QK_JOIN_RATE_LIMIT: '0',
    LOG_LEVEL: 'silent',
    PORT: '0',
    ...env,
    ...extra,
  });
  const rt = await createRuntime(config, { logger: opts.logger ?? pino({ level: 'silent' }) });
  const app = await buildApp(rt);
  opts.beforeListen?.(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  // As `serve` does: the index watcher, the sampler and (unless QK_SCHEDULER=off) the scheduler.
  await rt.start();
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return {
    rt,
    app,
    url,
    async close() {
      await app.close();
      await rt.close();
    },
  };
}

/** A response as the tests read it: the status, the body parsed as JSON where it is JSON, the headers. */
async function answer(res: Response): Promise<{ status: number; body: any; headers: Headers }> {
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, body: json, headers: res.headers };
}

/** A small JSON client for tests. */
export async function call(
  base: string,
  method: string,
  path: string,
  opts: { body?: unknown; key?: string | null; headers?: Record<string, string>; raw?: string } = {},
) {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.key !== null) headers.authorization = `Bearer ${opts.key ?? MASTER_KEY}`;
  if (opts.body !== undefined || opts.raw !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(opts.raw !== undefined
      ? { body: opts.raw }
      : opts.body !== undefined
        ? { body: JSON.stringify(opts.body) }
        : {}),
  });
  return answer(res);
}

// ---------------------------------------------------------------------------------------------
// Helpers for the HTTP behaviour suite (test/http).

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Retries `fn` until it stops throwing (or `deadlineMs` passes); for async effects, never for timing assertions. */
export async function eventually<T>(fn: () => Promise<T>, deadlineMs = 15_000, everyMs = 100): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > end) throw e;
      await sleep(everyMs);
    }
  }
}

/** Like `call`, but sends exactly the given bytes (for invalid UTF-8 and odd content types). */
export async function callBytes(
  base: string,
  method: string,
  path: string,
  body: Uint8Array | string,
  headers: Record<string, string> = {},
  key: string | null = MASTER_KEY,
) {
  const h: Record<string, string> = { ...headers };
  if (key !== null) h.authorization = `Bearer ${key}`;
  const res = await fetch(`${base}${path}`, {
    method,
    headers: h,
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return answer(res);
}

/** A free TCP port on loopback (listen on 0, read the port, close). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export { TcpProxy } from './tcp-proxy.js';

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly port: number;
  /** Resolves when the process has exited, with its code or signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it wrote to stdout and stderr so far (for failure messages). */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Runs the real server (`node --import tsx src/cli/main.ts serve`) as a child process on a free
 * port and waits until /health/ready answers 200. Env defaults: the test master key, scheduler
 * off, no join rate limit, LOG_LEVEL=warn.
 */
export async function spawnServer(
  env: Record<string, string>,
  opts: { port?: number; readyMs?: number } = {},
): Promise<ServerProcess> {
  const port = opts.port ?? (await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      QK_MASTER_KEY: MASTER_KEY,
      QK_SCHEDULER: 'off',
      QK_JOIN_RATE_LIMIT: '0',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + (opts.readyMs ?? 30_000);
  for (;;) {
    if (gone) throw new Error(`server exited before it was ready:\n${out}`);
    try {
      const r = await fetch(`${url}/health/ready`);
      await r.arrayBuffer();
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > end) {
      child.kill('SIGKILL');
      throw new Error(`server not ready within ${opts.readyMs ?? 30_000} ms:\n${out}`);
    }
    await sleep(100);
  }
  return {
    child,
    url,
    port,
    exited,
    output: () => out,
    async stop(graceMs = 10_000) {
      if (gone) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** One node for the suite this is called in: started before its tests on its own isolation, closed after. */
export function suiteNode(
  combo: Combo,
  extra: Record<string, string> = {},
): { readonly url: string; readonly rt: Runtime } {
  let iso: Isolation | undefined;
  let node: Node | undefined;
  before(async () => {
    iso = combo.isolate();
    node = await startNode(iso.env, extra);
  });
  after(async () => {
    await node?.close();
    await iso?.cleanup();
  });
  return {
    get url() {
      return (node as Node).url;
    },
    get rt() {
      return (node as Node).rt;
    },
  };
}

/**
 * `count` nodes for the suite this is called in, sharing one isolation (the database, and Redis
 * where the combination has it), as several processes behind a load balancer would. Started before
 * its tests, closed after; the array fills in when they start.
 */
export function suiteNodes(combo: Combo, count: number, extra: Record<string, string> = {}): readonly Node[] {
  const nodes: Node[] = [];
  let iso: Isolation | undefined;
  before(async () => {
    iso = combo.isolate();
    for (let i = 0; i < count; i++) nodes.push(await startNode(iso.env, extra));
  });
  after(async () => {
    for (const n of nodes) await n.close();
    await iso?.cleanup();
  });
  return nodes;
}

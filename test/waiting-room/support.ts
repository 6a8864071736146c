import { after, before } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/index.js';
import { buildApp } from '../../src/http/app.js';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.js';
import { freePort, MASTER_KEY, type Combo, type Isolation } from '../support/harness.js';
import { testClock } from '../support/maintenance.js';

export { testClock };
export const PUBLIC_URL = 'https://rooms.example.test';

/**
 * A node whose clock the test moves; its admission loop is not started: tests run rounds. With a
 * `port` it listens there and that address is its public URL (a pass's issuer), for clients that
 * need a real server.
 */
export interface RoomNode {
  readonly rt: Runtime;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

export async function openRoomNode(iso: Isolation, now: () => Date, port?: number): Promise<RoomNode> {
  const config = loadConfig({
    QK_MASTER_KEY: MASTER_KEY,
    QK_SCHEDULER: 'off',
    QK_JOIN_RATE_LIMIT: '0',
    QK_PUBLIC_URL: port === undefined ? PUBLIC_URL : `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'silent',
    PORT: '0',
    ...iso.env,
  });
  const rt = await createRuntime(config, { logger: pino({ level: 'silent' }), now });
  const app = await buildApp(rt);
  if (port === undefined) await app.ready();
  else await app.listen({ port, host: '127.0.0.1' });
  return {
    rt,
    app,
    async close() {
      await app.close();
      await rt.close();
    },
  };
}

/** A room node of a suite; `url` is its public URL, where it listens when it was asked to. */
export interface SuiteRoomNode {
  readonly rt: Runtime;
  readonly app: FastifyInstance;
  readonly url: string;
}

/**
 * One room node for the suite this is called in, on its own isolation: opened before its tests,
 * closed after. With `listen` it serves on a free loopback port, for clients that need a real server.
 */
export function suiteRoomNode(combo: Combo, now: () => Date, opts: { listen?: boolean } = {}): SuiteRoomNode {
  let iso: Isolation | undefined;
  let node: RoomNode | undefined;
  let url = PUBLIC_URL;
  before(async () => {
    iso = combo.isolate();
    const port = opts.listen ? await freePort() : undefined;
    if (port !== undefined) url = `http://127.0.0.1:${port}`;
    node = await openRoomNode(iso, now, port);
  });
  after(async () => {
    await node?.close();
    await iso?.cleanup();
  });
  return {
    get rt() {
      return (node as RoomNode).rt;
    },
    get app() {
      return (node as RoomNode).app;
    },
    get url() {
      return url;
    },
  };
}

/** A JSON request through Fastify's inject: `key` for operators, `token` for a ticket's owner. */
export async function req(
  app: FastifyInstance,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  opts: { body?: unknown; key?: boolean; token?: string } = {},
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (opts.key) headers.authorization = `Bearer ${MASTER_KEY}`;
  if (opts.token) headers['x-ticket-token'] = opts.token;
  const r = await app.inject({
    method,
    url,
    headers,
    ...(opts.body !== undefined ? { payload: opts.body as object } : {}),
  });
  return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : null };
}

export async function createRoom(app: FastifyInstance, admission: Record<string, unknown>): Promise<string> {
  const r = await req(app, 'POST', '/api/queues', {
    key: true,
    body: { name: 'Launch', mode: 'waiting_room', settings: { admission } },
  });
  if (r.status !== 201) throw new Error(JSON.stringify(r.body));
  return r.body.id as string;
}

export async function joinRoom(app: FastifyInstance, queueId: string): Promise<any> {
  const r = await req(app, 'POST', `/api/queues/${queueId}/tickets`, { body: {} });
  if (r.status !== 201) throw new Error(JSON.stringify(r.body));
  return r.body;
}

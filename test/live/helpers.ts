import net from 'node:net';
import { Redis } from 'ioredis';
import type { WaitingEntry } from '../../src/domain/types.js';
import { orderKey } from '../../src/live/order-key.js';

/** Small seeded PRNG (mulberry32): property tests replay exactly from their seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The waiting order as the contract defines it, computed the slow, obvious way. */
export function referenceOrder(entries: Iterable<WaitingEntry>): string[] {
  return [...entries]
    .map((e) => ({ key: orderKey(e), id: e.ticketId }))
    .sort((a, b) => (a.key !== b.key ? a.key - b.key : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((p) => p.id);
}

export const entry = (ticketId: string, priority: 'normal' | 'high', seq: number): WaitingEntry => ({ ticketId, priority, seq });

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Retries `fn` until it stops throwing; for waiting on reconnects, not for timing assertions. */
export async function eventually<T>(fn: () => Promise<T>, deadlineMs = 15_000, everyMs = 50): Promise<T> {
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

/** Every key under `prefix`, found with SCAN. */
export async function listKeys(client: Redis, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 500);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out;
}

/** Deletes every key under `prefix` (and only those) in the URL's database. */
export async function deletePrefix(url: string, prefix: string): Promise<number> {
  const admin = await rawClient(url);
  try {
    const keys = await listKeys(admin, prefix);
    let removed = 0;
    for (let i = 0; i < keys.length; i += 500) removed += await admin.del(...keys.slice(i, i + 500));
    return removed;
  } finally {
    admin.disconnect();
  }
}

/** A raw connection for arranging and inspecting keys directly. */
export async function rawClient(url: string): Promise<Redis> {
  const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await c.connect();
  return c;
}

/**
 * A TCP proxy in front of Redis that the test can cut and restore, to play an outage without
 * touching the shared server. Restoring listens on the same port so clients reconnect to it.
 */
export class OutageProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  static forUrl(url: string): OutageProxy {
    const u = new URL(url);
    return new OutageProxy(u.hostname || '127.0.0.1', Number(u.port || 6379));
  }

  /** The Redis URL through this proxy, keeping the original credentials and database path. */
  urlFor(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** Refuses new connections and drops the open ones, as a dead Redis would. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { WaitingEntry } from '../../domain/types.js';
import { REMOVED_MEMORY_MS, type LiveIndex } from '../contract.js';
import { normalizeWindow, orderKey } from '../order-key.js';
import { guard } from './connection.js';
import { chunks, KeySpace } from './keys.js';
import { ADD_JOINED, defineScripts, REMOVE, SWAP } from './scripts.js';

/** Members per ZADD/ZREM call: large enough to amortise round trips, small enough for Lua's unpack. */
const BATCH = 500;
/** Temporary rebuild keys vanish by themselves if the builder dies before the swap. */
const TEMP_TTL_MS = 60 * 60 * 1000;
/** ZRANGE page size when reading a whole queue. */
const PAGE = 10_000;

/**
 * The live index shared by all nodes: one sorted set per queue, scored by the order key, so ZRANK
 * is the exact position in O(log n). A set lists the queues and a marker records a full rebuild;
 * a flushed or restarted Redis loses the marker and `isBuilt()` reports it.
 */
export class RedisLiveIndex implements LiveIndex {
  private readonly live: KeySpace;

  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
  ) {
    defineScripts(client);
    this.live = new KeySpace(prefix);
  }

  private space(namespace?: string): KeySpace {
    return namespace === undefined ? this.live : new KeySpace(`${this.prefix}ns:${namespace}:`);
  }

  async add(queueId: string, entries: readonly WaitingEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const args = entries.flatMap((e) => [String(orderKey(e)), e.ticketId]);
    const key = this.live.queue(queueId);
    await guard(async () => {
      for (const part of chunks(args, BATCH * 2)) {
        // NX: a ticket already waiting keeps its place, so adding twice changes nothing.
        const res = await this.client
          .multi()
          .zadd(key, 'NX', ...part)
          .sadd(this.live.queues, queueId)
          .exec();
        throwFirst(res);
      }
    });
  }

  async addJoined(queueId: string, entries: readonly WaitingEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const args = entries.flatMap((e) => [String(orderKey(e)), e.ticketId]);
    const keys = [this.live.queue(queueId), this.live.queues, this.live.removed(queueId)];
    await guard(async () => {
      for (const part of chunks(args, BATCH * 2)) await ADD_JOINED.run(this.client, keys, [queueId, ...part]);
    });
  }

  async remove(queueId: string, ticketIds: readonly string[]): Promise<void> {
    if (ticketIds.length === 0) return;
    const keys = [this.live.queue(queueId), this.live.queues, this.live.removed(queueId)];
    await guard(async () => {
      for (const part of chunks(ticketIds, BATCH))
        await REMOVE.run(this.client, keys, [queueId, Date.now(), REMOVED_MEMORY_MS, ...part]);
    });
  }

  async rank(queueId: string, ticketId: string): Promise<number | null> {
    return guard(() => this.client.zrank(this.live.queue(queueId), ticketId));
  }

  async count(queueId: string): Promise<number> {
    return guard(() => this.client.zcard(this.live.queue(queueId)));
  }

  /** One ZCARD per queue, pipelined: a few round trips however many tickets wait. */
  async counts(): Promise<Map<string, number>> {
    return guard(async () => {
      const out = new Map<string, number>();
      for (const part of chunks(await this.client.smembers(this.live.queues), BATCH)) {
        const pipe = this.client.pipeline();
        for (const id of part) pipe.zcard(this.live.queue(id));
        const res = await pipe.exec();
        throwFirst(res);
        part.forEach((id, i) => {
          const n = Number(res![i]![1]);
          if (n > 0) out.set(id, n);
        });
      }
      return out;
    });
  }

  async range(queueId: string, start: number, limit: number): Promise<string[]> {
    const w = normalizeWindow(start, limit);
    if (w.limit === 0) return [];
    return guard(() => this.client.zrange(this.live.queue(queueId), w.start, w.start + w.limit - 1));
  }

  async queueIds(): Promise<string[]> {
    return guard(async () => (await this.client.smembers(this.live.queues)).sort());
  }

  async dropQueue(queueId: string): Promise<void> {
    await guard(async () => {
      throwFirst(await this.client.multi().del(this.live.queue(queueId)).srem(this.live.queues, queueId).exec());
    });
  }

  /**
   * Builds every queue under temporary keys first, then swaps them in with one script: readers see
   * the old index or the new one, never a mix, however long the build takes.
   */
  async replaceAll(order: ReadonlyMap<string, readonly WaitingEntry[]>, namespace?: string): Promise<void> {
    const target = this.space(namespace);
    const temp = new KeySpace(`${this.prefix}tmp:${randomBytes(8).toString('hex')}:`);
    const queued: { queueId: string; args: string[] }[] = [];
    for (const [queueId, entries] of order) {
      if (entries.length > 0) queued.push({ queueId, args: entries.flatMap((e) => [String(orderKey(e)), e.ticketId]) });
    }
    await guard(async () => {
      try {
        for (const q of queued) {
          const pipe = this.client.pipeline();
          for (const part of chunks(q.args, BATCH * 2)) pipe.zadd(temp.queue(q.queueId), 'NX', ...part);
          pipe.pexpire(temp.queue(q.queueId), TEMP_TTL_MS);
          throwFirst(await pipe.exec());
        }
        const ids = queued.map((q) => q.queueId);
        await SWAP.run(
          this.client,
          [target.queues, target.built, ...ids.map((id) => temp.queue(id))],
          [target.queuePrefix, new Date().toISOString(), ...ids],
        );
      } catch (e) {
        // Best effort: the TTL removes whatever this cannot.
        await Promise.allSettled(
          chunks(queued, BATCH).map((part) => this.client.del(...part.map((q) => temp.queue(q.queueId)))),
        );
        throw e;
      }
    });
  }

  async snapshot(namespace?: string): Promise<Map<string, string[]>> {
    const space = this.space(namespace);
    return guard(async () => {
      const out = new Map<string, string[]>();
      for (const queueId of (await this.client.smembers(space.queues)).sort()) {
        const ids: string[] = [];
        for (let start = 0; ; start += PAGE) {
          const page = await this.client.zrange(space.queue(queueId), start, start + PAGE - 1);
          ids.push(...page);
          if (page.length < PAGE) break;
        }
        if (ids.length > 0) out.set(queueId, ids);
      }
      return out;
    });
  }

  /** Deletes exactly this namespace's keys (a SCAN on `ns:a:*` would also catch namespace `a:b`). */
  async dropNamespace(namespace: string): Promise<void> {
    const space = this.space(namespace);
    await guard(async () => {
      const ids = await this.client.smembers(space.queues);
      for (const part of chunks(ids, BATCH)) await this.client.del(...part.map((id) => space.queue(id)));
      await this.client.del(space.queues, space.built);
    });
  }

  async isBuilt(): Promise<boolean> {
    return guard(async () => (await this.client.exists(this.live.built)) === 1);
  }

  async stats(): Promise<{ entries: number; queues: number; bytes: number | null }> {
    return guard(async () => {
      const ids = await this.client.smembers(this.live.queues);
      let entries = 0;
      let bytes = 0;
      for (const part of chunks(ids, BATCH)) {
        const pipe = this.client.pipeline();
        for (const id of part) pipe.zcard(this.live.queue(id)).call('MEMORY', 'USAGE', this.live.queue(id));
        const res = await pipe.exec();
        throwFirst(res);
        for (let i = 0; i < (res?.length ?? 0); i += 2) {
          entries += Number(res![i]![1] ?? 0);
          bytes += Number(res![i + 1]![1] ?? 0);
        }
      }
      return { entries, queues: ids.length, bytes };
    });
  }
}

/** MULTI/pipeline replies carry per-command errors instead of rejecting; surface the first. */
function throwFirst(res: [Error | null, unknown][] | null): void {
  if (res === null) throw new Error('redis transaction was discarded');
  for (const [err] of res) if (err) throw err;
}

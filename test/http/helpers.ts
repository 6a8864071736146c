import assert from 'node:assert/strict';
import { call } from '../support/harness.js';

/** Shared steps of the HTTP behaviour suite (not a test file itself). */

export interface Joined {
  id: string;
  number: number;
  token: string;
  position: number | null;
  status: string;
  eta: { lowSeconds: number; highSeconds: number } | null;
}

export async function createQueue(base: string, body: Record<string, unknown> = {}, key?: string): Promise<any> {
  const r = await call(base, 'POST', '/api/queues', {
    body: { name: 'Desk', mode: 'service', ...body },
    ...(key ? { key } : {}),
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

/** A customer join (no key unless given); asserts 201. */
export async function join(
  base: string,
  queueId: string,
  body: Record<string, unknown> = {},
  opts: { key?: string; headers?: Record<string, string> } = {},
): Promise<Joined> {
  const r = await call(base, 'POST', `/api/queues/${queueId}/tickets`, {
    body,
    key: opts.key ?? null,
    ...(opts.headers ? { headers: opts.headers } : {}),
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body as Joined;
}

export async function getTicket(base: string, id: string, token: string | undefined) {
  return call(base, 'GET', `/api/tickets/${id}`, {
    key: null,
    ...(token !== undefined ? { headers: { 'x-ticket-token': token } } : {}),
  });
}

export async function leave(base: string, id: string, token: string) {
  return call(base, 'DELETE', `/api/tickets/${id}`, { key: null, headers: { 'x-ticket-token': token } });
}

/** Every ticket of a queue in calling order, following cursors page by page. */
export async function listAll(base: string, queueId: string, status?: string, pageSize = 100): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 10_000; pages++) {
    const q = new URLSearchParams({ limit: String(pageSize) });
    if (status) q.set('status', status);
    if (cursor) q.set('cursor', cursor);
    const r = await call(base, 'GET', `/api/queues/${queueId}/tickets?${q}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    out.push(...r.body.items);
    cursor = r.body.nextCursor;
    if (!cursor) return out;
  }
  throw new Error('too many pages');
}

/** What an error path must leave unchanged: queues, tickets per status and waiting counts. */
export async function stateOf(base: string): Promise<string> {
  const qs = await call(base, 'GET', '/api/queues');
  assert.equal(qs.status, 200);
  const parts: string[] = [];
  for (const q of [...qs.body.items].sort((a: any, b: any) => (a.id < b.id ? -1 : 1))) {
    const tickets = await listAll(base, q.id, undefined, 500);
    const byStatus: Record<string, number> = {};
    for (const t of tickets) byStatus[t.status] = (byStatus[t.status] ?? 0) + 1;
    parts.push(
      `${q.id}:${q.name}:${q.status}:${q.capacity}:waiting=${q.waitingCount}:${JSON.stringify(byStatus)}:${tickets.map((t: any) => `${t.id}/${t.status}/${t.position}`).join(',')}`,
    );
  }
  return `${qs.body.items.length} queues|${parts.join('|')}`;
}

/** Asserts the contract's error shape and status/code. */
export function assertError(r: { status: number; body: any }, status: number, code: string, what = ''): void {
  assert.equal(r.status, status, `${what}: expected ${status} ${code}, got ${r.status} ${JSON.stringify(r.body)}`);
  assert.equal(r.body?.error?.code, code, `${what}: ${JSON.stringify(r.body)}`);
  assert.equal(typeof r.body.error.message, 'string', what);
}

/** Reads Server-Sent Events from a fetch body; `next()` resolves with the next event's data or rejects on timeout. */
export class SseReader {
  private buf = '';
  /** Each event's data and its block as it came, without the blank line that ends it. */
  private readonly queue: { data: any; block: string }[] = [];
  private readonly decoder = new TextDecoder();
  private readonly ac = new AbortController();
  private reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  status = 0;
  contentType = '';

  constructor(private readonly url: string) {}

  async open(): Promise<void> {
    const res = await fetch(this.url, { signal: this.ac.signal, headers: { accept: 'text/event-stream' } });
    this.status = res.status;
    this.contentType = res.headers.get('content-type') ?? '';
    if (!res.body) throw new Error('no body');
    this.reader = res.body.getReader();
  }

  async next(timeoutMs = 10_000): Promise<any> {
    return (await this.nextBlock(timeoutMs)).data;
  }

  /** The next event with its bytes as sent, for tests of the exact text. */
  async nextBlock(timeoutMs = 10_000): Promise<{ data: any; block: string }> {
    const end = Date.now() + timeoutMs;
    while (this.queue.length === 0) {
      if (!this.reader) throw new Error('not open');
      const left = end - Date.now();
      if (left <= 0) throw new Error(`no SSE event within ${timeoutMs} ms`);
      let timer: NodeJS.Timeout | undefined;
      const chunk = await Promise.race([
        this.reader.read(),
        new Promise<'timeout'>((r) => {
          timer = setTimeout(() => r('timeout'), left);
        }),
      ]).finally(() => clearTimeout(timer));
      if (chunk === 'timeout') throw new Error(`no SSE event within ${timeoutMs} ms`);
      if (chunk.done) throw new Error('SSE stream ended');
      this.buf += this.decoder.decode(chunk.value, { stream: true });
      let at: number;
      while ((at = this.buf.indexOf('\n\n')) >= 0) {
        const block = this.buf.slice(0, at);
        this.buf = this.buf.slice(at + 2);
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trimStart())
          .join('\n');
        if (data) this.queue.push({ data: JSON.parse(data), block });
      }
    }
    return this.queue.shift() as { data: any; block: string };
  }

  /** Reads events until one satisfies `pred`. */
  async until(pred: (e: any) => boolean, timeoutMs = 10_000): Promise<any> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const e = await this.next(Math.max(1, end - Date.now()));
      if (pred(e)) return e;
    }
  }

  close(): void {
    this.ac.abort();
  }
}

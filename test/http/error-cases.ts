import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { call, callBytes, COMBOS, type Isolation, type Node, startNode } from '../support/harness.js';
import { assertError, createQueue, join, stateOf } from './helpers.js';

/**
 * The error-path suite's frame (not a test file itself): one node per backend with a queue, a
 * waiting and a called ticket; `run` sends cases and checks that none changed the state.
 */

export interface Case {
  readonly what: string;
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly raw?: string;
  readonly bytes?: Buffer;
  readonly type?: string;
  readonly key?: string | null;
  readonly headers?: Record<string, string>;
  readonly status: number;
  readonly code: string;
}

async function send(base: string, c: Case) {
  if (c.bytes !== undefined || c.type !== undefined) {
    const body = c.bytes ?? c.raw ?? JSON.stringify(c.body ?? {});
    return callBytes(
      base,
      c.method,
      c.path,
      body,
      { 'content-type': c.type ?? 'application/json', ...c.headers },
      c.key === undefined ? undefined : c.key,
    );
  }
  return call(base, c.method, c.path, {
    ...(c.body !== undefined ? { body: c.body } : {}),
    ...(c.raw !== undefined ? { raw: c.raw } : {}),
    ...(c.key !== undefined ? { key: c.key } : {}),
    ...(c.headers ? { headers: c.headers } : {}),
  });
}

export const utf8 = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

export interface Suite {
  run(cases: (qid: string, tid: string) => Case[]): Promise<void>;
  joinCase(what: string, body: unknown, extra?: Partial<Case>): (qid: string) => Case;
}

/** Declares `body`'s tests for every backend combination, on a fresh node each. */
export function errorSuite(title: string, body: (s: Suite) => void): void {
  for (const combo of COMBOS) {
    describe(combo.name, { skip: combo.skip }, () => {
      describe(title, () => {
        let iso: Isolation;
        let node: Node;
        let q = '';
        let t = { id: '', token: '' };
        before(async () => {
          iso = combo.isolate();
          node = await startNode(iso.env);
          q = (await createQueue(node.url, { capacity: 100 })).id;
          t = await join(node.url, q, { name: 'Ann' });
          await join(node.url, q);
          await call(node.url, 'POST', `/api/queues/${q}/call-next`, { body: {} });
        });
        after(async () => {
          await node?.close();
          await iso?.cleanup();
        });

        body({
          async run(cases) {
            const before = await stateOf(node.url);
            for (const c of cases(q, t.id))
              assertError(await send(node.url, c), c.status, c.code, `${c.what} (${c.method} ${c.path.slice(0, 80)})`);
            assert.equal(await stateOf(node.url), before, 'an error path changed the state');
          },
          joinCase:
            (what, body, extra = {}) =>
            (qid) => ({
              what,
              method: 'POST',
              path: `/api/queues/${qid}/tickets`,
              body,
              key: null,
              status: 400,
              code: 'validation_failed',
              ...extra,
            }),
        });
      });
    });
  }
}

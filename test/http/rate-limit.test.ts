import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { call, COMBOS, type Node, startNode, suiteNodes } from '../support/harness.js';
import { assertError, createQueue, listAll } from './helpers.js';

/** Per-IP limits (docs/http-limits.md): joins per minute, behind a proxy only trusted hops count. */
for (const combo of COMBOS) {
  const shared = combo.name.includes('Redis');
  describe(combo.name, { skip: combo.skip }, () => {
    describe('join rate limit', () => {
      const nodes = suiteNodes(combo, shared ? 2 : 1, { QK_JOIN_RATE_LIMIT: '5' });

      test(
        shared
          ? 'the 6th join from one IP in a minute is 429, counted across two nodes (3 on A, 3 on B)'
          : 'the 6th join from one IP in a minute is 429 rate_limited with Retry-After',
        async () => {
          const [a, b] = [nodes[0] as Node, (nodes[1] ?? nodes[0]) as Node];
          const q = (await createQueue(a.url)).id;
          const plan = shared ? [a, a, a, b, b, b] : [a, a, a, a, a, a];
          const rs = [];
          for (const n of plan) rs.push(await call(n.url, 'POST', `/api/queues/${q}/tickets`, { body: {}, key: null }));
          assert.deepEqual(
            rs.map((r) => r.status),
            [201, 201, 201, 201, 201, 429],
          );
          const limited = rs[5]!;
          assertError(limited, 429, 'rate_limited', '6th join');
          const retry = Number(limited.headers.get('retry-after'));
          assert.ok(
            Number.isInteger(retry) && retry >= 1 && retry <= 60,
            `Retry-After ${limited.headers.get('retry-after')}`,
          );
          const spoofed = await call(a.url, 'POST', `/api/queues/${q}/tickets`, {
            body: {},
            key: null,
            headers: { 'x-forwarded-for': '203.0.113.9' },
          });
          assertError(spoofed, 429, 'rate_limited', 'X-Forwarded-For is not trusted by default');
          assert.equal((await listAll(a.url, q)).length, 5, 'refused joins created nothing');
          assert.equal((await call(b.url, 'GET', `/api/queues/${q}`)).body.waitingCount, 5);
        },
      );
    });

    describe('behind a proxy (QK_TRUST_PROXY)', () => {
      const joinFrom = (n: Node, q: string, xff: string) =>
        call(n.url, 'POST', `/api/queues/${q}/tickets`, { body: {}, key: null, headers: { 'x-forwarded-for': xff } });

      for (const [what, trust] of [
        ['a hop count of 1', '1'],
        ['the proxy address', '127.0.0.1'],
      ] as const)
        test(`with ${what}, the client is the last untrusted address; what it writes before that is ignored`, async () => {
          const iso = combo.isolate();
          const n = await startNode(iso.env, { QK_JOIN_RATE_LIMIT: '2', QK_TRUST_PROXY: trust });
          try {
            const q = (await createQueue(n.url)).id;
            const statuses = [];
            for (const spoof of ['198.51.100.1', '198.51.100.2', '198.51.100.3'])
              statuses.push((await joinFrom(n, q, `${spoof}, 203.0.113.5`)).status);
            assert.deepEqual(statuses, [201, 201, 429], 'a client cannot escape its limit by writing X-Forwarded-For');
            assert.equal(
              (await joinFrom(n, q, '203.0.113.6')).status,
              201,
              'another client behind the proxy is served',
            );
          } finally {
            await n.close();
            await iso.cleanup();
          }
        });
    });
  });
}

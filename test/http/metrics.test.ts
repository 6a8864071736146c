import assert from 'node:assert/strict';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, mock, test } from 'node:test';
import { call, COMBOS, type Isolation, MASTER_KEY, type Node, startNode } from '../support/harness.js';
import { assertError, createQueue, join } from './helpers.js';

/** /metrics (docs/api.md): a key or the scrape token; only queues that exist; one rendering shared. */

const SCRAPE_TOKEN = 'scrape-token-0123456789abcdef0123456789';

for (const combo of COMBOS) {
  describe(combo.name, { skip: combo.skip }, () => {
    let iso: Isolation;
    let node: Node;
    let operatorKey = '';
    before(async () => {
      iso = combo.isolate();
      node = await startNode(iso.env, { QK_METRICS_TOKEN: SCRAPE_TOKEN });
      operatorKey = (await call(node.url, 'POST', '/api/keys', { body: { role: 'operator', name: 'ops' } })).body.key;
    });
    after(async () => {
      mock.timers.reset();
      await node?.close();
      await iso?.cleanup();
    });

    const scrape = (authorization?: string) =>
      fetch(`${node.url}/metrics`, authorization ? { headers: { authorization } } : {}).then(async (r) => ({
        status: r.status,
        text: await r.text(),
      }));
    /** A scrape as if the cached rendering had expired: the clock moves, nothing sleeps. */
    let ahead = 0;
    const fresh = async () => {
      ahead += 60_000;
      mock.timers.enable({ apis: ['Date'], now: Date.now() + ahead });
      try {
        return await scrape(`Bearer ${MASTER_KEY}`);
      } finally {
        mock.timers.reset();
      }
    };

    test('no key or a wrong one is 401; an operator key, an admin key or the scrape token read it', async () => {
      for (const authorization of [undefined, 'Bearer nope', `Basic ${SCRAPE_TOKEN}`]) {
        const r = await call(node.url, 'GET', '/metrics', {
          key: null,
          ...(authorization ? { headers: { authorization } } : {}),
        });
        assertError(r, 401, 'unauthorized', String(authorization));
      }
      for (const authorization of [`Bearer ${operatorKey}`, `Bearer ${MASTER_KEY}`, `bearer ${SCRAPE_TOKEN}`]) {
        const r = await scrape(authorization);
        assert.equal(r.status, 200, authorization.slice(0, 12));
        assert.match(r.text, /^# HELP qk_http_requests_total/m);
      }
      assertError(
        await call(node.url, 'GET', '/api/queues', { key: SCRAPE_TOKEN }),
        401,
        'unauthorized',
        'the scrape token opens nothing else',
      );
    });

    test('the series of a deleted queue are dropped', async () => {
      const keep = (await createQueue(node.url)).id;
      const gone = (await createQueue(node.url)).id;
      await join(node.url, keep);
      await join(node.url, gone);
      const before = await fresh();
      for (const q of [keep, gone]) {
        assert.match(before.text, new RegExp(`^qk_queue_waiting\\{queue="${q}"\\} 1$`, 'm'));
        assert.match(before.text, new RegExp(`^qk_tickets_joined_total\\{queue="${q}"\\} 1$`, 'm'));
      }
      assert.equal((await call(node.url, 'DELETE', `/api/queues/${gone}`)).status, 204);
      const afterwards = await fresh();
      assert.ok(!afterwards.text.includes(gone), 'a deleted queue still has series');
      assert.match(afterwards.text, new RegExp(`^qk_queue_waiting\\{queue="${keep}"\\} 1$`, 'm'));
    });

    test('concurrent scrapes share one rendering and one read of the queues', async () => {
      for (let i = 0; i < 20; i++) await createQueue(node.url);
      const store = node.rt.store;
      const original = store.listQueues.bind(store);
      let reads = 0;
      store.listQueues = () => {
        reads++;
        return original();
      };
      try {
        mock.timers.enable({ apis: ['Date'], now: Date.now() + (ahead += 60_000) });
        const rs = await Promise.all(Array.from({ length: 20 }, () => scrape(`Bearer ${SCRAPE_TOKEN}`)));
        assert.deepEqual(new Set(rs.map((r) => r.status)), new Set([200]));
        assert.equal(new Set(rs.map((r) => r.text)).size, 1);
        assert.equal(reads, 1, `${reads} reads of the queue list for 20 scrapes`);
      } finally {
        mock.timers.reset();
        store.listQueues = original;
      }
    });

    test('a scraper that accepts gzip gets the same rendering compressed', async () => {
      for (let i = 0; i < 50; i++) await createQueue(node.url);
      const plain = await fresh();
      const gz = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
        http
          .get(
            `${node.url}/metrics`,
            { headers: { authorization: `Bearer ${SCRAPE_TOKEN}`, 'accept-encoding': 'gzip' } },
            (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (c: Buffer) => chunks.push(c));
              res.on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
            },
          )
          .on('error', reject);
      });
      assert.equal(gz.encoding, 'gzip');
      assert.equal(gunzipSync(gz.body).toString('utf8'), plain.text);
      assert.ok(gz.body.length * 4 < Buffer.byteLength(plain.text), `${gz.body.length} of ${plain.text.length} bytes`);
    });
  });
}

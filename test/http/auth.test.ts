import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { call, COMBOS, eventually, MASTER_KEY, type Node, suiteNodes } from '../support/harness.js';
import { assertError, createQueue, join, stateOf } from './helpers.js';

/**
 * Authorization (docs/api.md): operator routes take an admin or operator key; keys and
 * maintenance routes take an admin key (an operator key gets 403); no key or an unknown key is 401.
 */

interface Route {
  readonly name: string;
  readonly method: string;
  /** Builds the request; called once per principal so that each gets fresh objects to act on. */
  readonly prepare: () => Promise<{ path: string; body?: unknown }>;
  /** The status an allowed principal gets. */
  readonly ok: number;
}

const BAD_KEYS: [string, Record<string, string>][] = [
  ['no key', {}],
  ['an unknown key', { authorization: 'Bearer qk_thisKeyWasNeverIssued_0123456789abcdef' }],
  ['the master key with one character changed', { authorization: `Bearer ${MASTER_KEY.slice(0, -1)}X` }],
  ['a Basic header', { authorization: `Basic ${Buffer.from(`admin:${MASTER_KEY}`).toString('base64')}` }],
  ['an empty Bearer', { authorization: 'Bearer ' }],
  ['the key without a scheme', { authorization: MASTER_KEY }],
  ['another scheme spelled like Bearer', { authorization: `Bearers ${MASTER_KEY}` }],
];

for (const combo of COMBOS) {
  const shared = combo.name.includes('Redis');
  describe(combo.name, { skip: combo.skip }, () => {
    const nodes = suiteNodes(combo, shared ? 2 : 1);
    let base = '';
    let operatorKey = '';
    let operatorKeyId = '';

    before(async () => {
      base = (nodes[0] as Node).url;
      const k = await call(base, 'POST', '/api/keys', { body: { role: 'operator', name: 'front desk' } });
      assert.equal(k.status, 201, JSON.stringify(k.body));
      operatorKey = k.body.key;
      operatorKeyId = k.body.id;
    });

    const newQueue = async () => (await createQueue(base)).id;
    const ticketIn = async (status: 'waiting' | 'called' | 'no_show') => {
      const q = await newQueue();
      const t = await join(base, q);
      if (status !== 'waiting')
        assert.equal((await call(base, 'POST', `/api/tickets/${t.id}/call`, { body: {} })).status, 200);
      if (status === 'no_show')
        assert.equal((await call(base, 'POST', `/api/tickets/${t.id}/no-show`, { body: {} })).status, 200);
      return t.id;
    };

    const operatorRoutes: Route[] = [
      {
        name: 'create queue',
        method: 'POST',
        prepare: async () => ({ path: '/api/queues', body: { name: 'Q', mode: 'service' } }),
        ok: 201,
      },
      { name: 'list queues', method: 'GET', prepare: async () => ({ path: '/api/queues' }), ok: 200 },
      {
        name: 'patch queue',
        method: 'PATCH',
        prepare: async () => ({ path: `/api/queues/${await newQueue()}`, body: { name: 'Renamed' } }),
        ok: 200,
      },
      {
        name: 'delete queue',
        method: 'DELETE',
        prepare: async () => ({ path: `/api/queues/${await newQueue()}` }),
        ok: 204,
      },
      {
        name: 'list tickets',
        method: 'GET',
        prepare: async () => ({ path: `/api/queues/${await newQueue()}/tickets?status=waiting&limit=5` }),
        ok: 200,
      },
      {
        name: 'call-next',
        method: 'POST',
        prepare: async () => {
          const q = await newQueue();
          await join(base, q);
          return { path: `/api/queues/${q}/call-next`, body: { counter: '1' } };
        },
        ok: 200,
      },
      {
        name: 'call-next (empty)',
        method: 'POST',
        prepare: async () => ({ path: `/api/queues/${await newQueue()}/call-next`, body: {} }),
        ok: 204,
      },
      {
        name: 'call out of order',
        method: 'POST',
        prepare: async () => ({ path: `/api/tickets/${await ticketIn('waiting')}/call`, body: {} }),
        ok: 200,
      },
      {
        name: 'serve',
        method: 'POST',
        prepare: async () => ({ path: `/api/tickets/${await ticketIn('called')}/serve`, body: {} }),
        ok: 200,
      },
      {
        name: 'no-show',
        method: 'POST',
        prepare: async () => ({ path: `/api/tickets/${await ticketIn('called')}/no-show`, body: {} }),
        ok: 200,
      },
      {
        name: 'requeue',
        method: 'POST',
        prepare: async () => ({ path: `/api/tickets/${await ticketIn('no_show')}/requeue`, body: {} }),
        ok: 200,
      },
    ];

    const adminRoutes: Route[] = [
      {
        name: 'create key',
        method: 'POST',
        prepare: async () => ({ path: '/api/keys', body: { role: 'operator', name: 'temp' } }),
        ok: 201,
      },
      { name: 'list keys', method: 'GET', prepare: async () => ({ path: '/api/keys' }), ok: 200 },
      {
        name: 'delete key',
        method: 'DELETE',
        prepare: async () => ({
          path: `/api/keys/${(await call(base, 'POST', '/api/keys', { body: { role: 'operator', name: 'doomed' } })).body.id}`,
        }),
        ok: 204,
      },
      {
        name: 'maintenance schedule',
        method: 'GET',
        prepare: async () => ({ path: '/api/maintenance/schedule' }),
        ok: 200,
      },
      {
        name: 'maintenance history',
        method: 'GET',
        prepare: async () => ({ path: '/api/maintenance/runs?limit=5' }),
        ok: 200,
      },
      // An unknown plan: the admin gets past authorization to a 404 without starting any work.
      {
        name: 'start a run',
        method: 'POST',
        prepare: async () => ({ path: '/api/maintenance/runs', body: { plan: 'noSuchPlan' } }),
        ok: 404,
      },
      { name: 'one run', method: 'GET', prepare: async () => ({ path: '/api/maintenance/runs/run_unknown' }), ok: 404 },
      {
        name: 'run report',
        method: 'GET',
        prepare: async () => ({ path: '/api/maintenance/runs/run_unknown/report' }),
        ok: 404,
      },
      {
        name: 'wait for a run',
        method: 'GET',
        prepare: async () => ({ path: '/api/maintenance/runs/run_unknown/wait?timeoutSeconds=1' }),
        ok: 404,
      },
    ];

    const attempt = async (r: Route, headers: Record<string, string>) => {
      const { path, body } = await r.prepare();
      return call(base, r.method, path, { key: null, headers, ...(body !== undefined ? { body } : {}) });
    };

    describe('no key or a wrong key: 401 on every operator and admin route, nothing changes', () => {
      for (const [label, headers] of BAD_KEYS) {
        test(label, async () => {
          const routes = [...operatorRoutes, ...adminRoutes];
          const prepared = [];
          for (const r of routes) prepared.push({ r, ...(await r.prepare()) });
          const state = await stateOf(base);
          const keysBefore = JSON.stringify((await call(base, 'GET', '/api/keys')).body.items);
          for (const { r, path, body } of prepared) {
            const res = await call(base, r.method, path, {
              key: null,
              headers,
              ...(body !== undefined ? { body } : {}),
            });
            assertError(res, 401, 'unauthorized', `${r.name} with ${label}`);
          }
          assert.equal(await stateOf(base), state, `a refused request with ${label} changed the state`);
          assert.equal(JSON.stringify((await call(base, 'GET', '/api/keys')).body.items), keysBefore);
        });
      }
    });

    describe('operator key: operator routes work, admin routes are 403', () => {
      test('operator routes', async () => {
        for (const r of operatorRoutes) {
          const res = await attempt(r, { authorization: `Bearer ${operatorKey}` });
          assert.equal(res.status, r.ok, `${r.name}: ${JSON.stringify(res.body)}`);
        }
      });
      test('admin routes', async () => {
        const keysBefore = (await call(base, 'GET', '/api/keys')).body.items.length;
        for (const r of adminRoutes)
          assertError(await attempt(r, { authorization: `Bearer ${operatorKey}` }), 403, 'forbidden', r.name);
        const afterwards = (await call(base, 'GET', '/api/keys')).body.items.length;
        assert.equal(
          afterwards,
          keysBefore + 1,
          'only the "delete key" preparation (done with the admin key) added a key',
        );
      });
      test('an operator cannot mint an admin key', async () => {
        assertError(
          await call(base, 'POST', '/api/keys', { key: operatorKey, body: { role: 'admin', name: 'escalate' } }),
          403,
          'forbidden',
          'escalation',
        );
      });
    });

    describe('the bearer scheme is case-insensitive', () => {
      test('bearer, BEARER and extra spaces are accepted', async () => {
        for (const authorization of [`bearer ${operatorKey}`, `BEARER ${MASTER_KEY}`, `bEaReR  ${operatorKey}`]) {
          const r = await call(base, 'GET', '/api/queues', { key: null, headers: { authorization } });
          assert.equal(r.status, 200, `${authorization.slice(0, 8)}: ${JSON.stringify(r.body)}`);
        }
      });
    });

    describe('admin key: every route works', () => {
      test('master key', async () => {
        for (const r of [...operatorRoutes, ...adminRoutes]) {
          const res = await attempt(r, { authorization: `Bearer ${MASTER_KEY}` });
          assert.equal(res.status, r.ok, `${r.name}: ${JSON.stringify(res.body)}`);
        }
      });
      test('an admin key created through the API', async () => {
        const k = await call(base, 'POST', '/api/keys', { body: { role: 'admin', name: 'second admin' } });
        assert.equal(k.status, 201);
        assert.equal(k.body.role, 'admin');
        for (const r of [...operatorRoutes, ...adminRoutes]) {
          const res = await attempt(r, { authorization: `Bearer ${k.body.key}` });
          assert.equal(res.status, r.ok, `${r.name}: ${JSON.stringify(res.body)}`);
        }
      });
    });

    describe('backup routes (admin)', () => {
      test('GET /api/backups and POST /api/backups/:id/verify need the admin key', async () => {
        const probe = await call(base, 'GET', '/api/backups');
        assert.equal(probe.status, 200, JSON.stringify(probe.body));
        assertError(
          await call(base, 'POST', '/api/backups/bk_unknown/verify', { body: {} }),
          404,
          'not_found',
          'verify unknown',
        );
        for (const [method, path] of [
          ['GET', '/api/backups'],
          ['POST', '/api/backups'],
          ['POST', '/api/backups/bk_unknown/verify'],
        ] as const) {
          const body = method === 'GET' ? {} : { body: {} };
          assertError(
            await call(base, method, path, { key: null, ...body }),
            401,
            'unauthorized',
            `${method} ${path} without key`,
          );
          assertError(
            await call(base, method, path, { key: operatorKey, ...body }),
            403,
            'forbidden',
            `${method} ${path} as operator`,
          );
        }
      });
    });

    describe('customer routes need no key; a key shows the operator view', () => {
      test('queue view by principal', async () => {
        const q = await newQueue();
        const pub = await call(base, 'GET', `/api/queues/${q}`, { key: null });
        assert.equal(pub.status, 200);
        assert.equal(pub.body.capacity, undefined);
        const wrong = await call(base, 'GET', `/api/queues/${q}`, { key: 'qk_notAKey_000000000000000000000000' });
        assert.equal(wrong.status, 200);
        assert.equal(wrong.body.capacity, undefined, 'an unknown key sees the public view');
        const op = await call(base, 'GET', `/api/queues/${q}`, { key: operatorKey });
        assert.equal(op.body.capacity, null);
        assert.ok(op.body.settings);
      });
    });

    describe('key lifecycle', () => {
      test('the key is shown once; lists never show it', async () => {
        const k = await call(base, 'POST', '/api/keys', { body: { role: 'operator', name: 'kiosk 7' } });
        assert.equal(k.status, 201);
        assert.deepEqual(Object.keys(k.body).sort(), [
          'createdAt',
          'id',
          'key',
          'lastUsedAt',
          'name',
          'queueId',
          'role',
        ]);
        assert.match(k.body.id, /^[A-Za-z0-9_-]{1,64}$/);
        assert.equal(k.body.role, 'operator');
        assert.equal(k.body.name, 'kiosk 7');
        assert.equal(k.body.queueId, null);
        assert.ok(k.body.key.length >= 32);
        const list = await call(base, 'GET', '/api/keys');
        assert.equal(list.status, 200);
        assert.equal(list.body.nextCursor, null);
        const mine = list.body.items.find((x: any) => x.id === k.body.id);
        assert.ok(mine);
        assert.equal(mine.key, undefined);
        assert.equal(mine.keyHash, undefined);
        assert.ok(!JSON.stringify(list.body).includes(k.body.key), 'the list leaks the key');
        assert.ok(list.body.items.some((x: any) => x.id === operatorKeyId));
      });

      test(
        shared ? 'DELETE revokes the key on every node within the cache window' : 'DELETE revokes the key',
        async () => {
          const k = (await call(base, 'POST', '/api/keys', { body: { role: 'operator', name: 'leaving' } })).body;
          // Use it on every node first, so each has it cached.
          for (const n of nodes) assert.equal((await call(n.url, 'GET', '/api/queues', { key: k.key })).status, 200);
          const t0 = performance.now();
          assert.equal((await call(base, 'DELETE', `/api/keys/${k.id}`)).status, 204);
          for (const n of nodes) {
            await eventually(
              async () =>
                assertError(
                  await call(n.url, 'GET', '/api/queues', { key: k.key }),
                  401,
                  'unauthorized',
                  'revoked key',
                ),
              15_000,
              250,
            );
          }
          console.log(
            `[auth] ${combo.name}: revoked key refused on all ${nodes.length} node(s) after ${(performance.now() - t0).toFixed(0)} ms`,
          );
          assert.ok(!(await call(base, 'GET', '/api/keys')).body.items.some((x: any) => x.id === k.id));
          assertError(await call(base, 'DELETE', `/api/keys/${k.id}`), 404, 'not_found', 'second delete');
        },
      );
    });
  });
}

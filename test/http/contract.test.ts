import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { serializerCompilations } from '../../src/http/serializer.js';
import { call, COMBOS, MASTER_KEY, suiteNode } from '../support/harness.js';
import { createQueue, getTicket, join, leave, SseReader } from './helpers.js';

/** The fields of a ticket as its customer sees it (docs/api.md): nothing more, nothing less. */
const CUSTOMER_FIELDS = [
  'calledAt',
  'counter',
  'createdAt',
  'endedAt',
  'eta',
  'etaAtJoin',
  'id',
  'name',
  'number',
  'position',
  'priority',
  'queueId',
  'recalledAt',
  'recalls',
  'status',
];
const OPERATOR_FIELDS = [...CUSTOMER_FIELDS, 'contact', 'metadata'].sort();
const keys = (o: object): string[] => Object.keys(o).sort();

/**
 * The HTTP contract as the routes declare it: `/docs/json` lists the real status codes and bodies,
 * and every answer carries exactly the fields of its schema, on every backend combination.
 */
for (const combo of COMBOS) {
  describe(combo.name, { skip: combo.skip }, () => {
    const fixture = suiteNode(combo);

    describe('the OpenAPI description', () => {
      let doc: any;
      before(async () => {
        const r = await call(fixture.url, 'GET', '/docs/json', { key: null });
        assert.equal(r.status, 200);
        doc = r.body;
      });
      const codes = (path: string, method: string): string[] =>
        Object.keys(doc.paths[path]?.[method]?.responses ?? {}).sort();

      test('lists the status codes of the key routes, 201, 202 and 204 included', () => {
        assert.deepEqual(codes('/api/queues/{queueId}/tickets', 'post'), [
          '200',
          '201',
          '400',
          '403',
          '404',
          '409',
          '413',
          '415',
          '429',
          '503',
        ]);
        assert.deepEqual(codes('/api/tickets/{ticketId}', 'get'), ['200', '400', '404', '503']);
        assert.deepEqual(codes('/api/queues/{id}/call-next', 'post'), [
          '200',
          '204',
          '400',
          '401',
          '403',
          '404',
          '409',
          '413',
          '415',
          '503',
        ]);
        assert.ok(codes('/api/queues/{id}', 'delete').includes('204'));
        assert.ok(codes('/api/keys', 'post').includes('201'));
        assert.ok(codes('/api/maintenance/runs', 'post').includes('202'));
        assert.ok(codes('/api/backups', 'post').includes('202'));
        assert.deepEqual(codes('/health/ready', 'get'), ['200', '503']);
      });

      test('shows the real bodies: the join answer carries the token, a 204 has no body', () => {
        const created = doc.paths['/api/queues/{queueId}/tickets'].post.responses['201'];
        const props = created.content['application/json'].schema.properties;
        // `admittedUntil`, `pass` and `continueUrl` appear only on admitted waiting-room tickets (docs/waiting-room.md).
        assert.deepEqual(
          Object.keys(props).sort(),
          [...CUSTOMER_FIELDS, 'admittedUntil', 'pass', 'continueUrl', 'token'].sort(),
        );
        const nobody = doc.paths['/api/queues/{id}/call-next'].post.responses['204'];
        assert.equal(nobody.content, undefined);
        const conflict = doc.paths['/api/queues/{id}/call-next'].post.responses['409'];
        assert.match(conflict.description, /`conflict`/);
        assert.ok(conflict.content['application/json'].schema.properties.error);
      });

      test('a body the route accepts absent is not marked required; a needed one is', () => {
        assert.equal(doc.paths['/api/queues/{id}/call-next'].post.requestBody.required, false);
        assert.equal(doc.paths['/api/tickets/{id}/serve'].post.requestBody.required, false);
        assert.equal(doc.paths['/api/queues/{queueId}/tickets'].post.requestBody.required, false);
        assert.equal(doc.paths['/api/queues'].post.requestBody.required, true);
        assert.equal(doc.paths['/api/keys'].post.requestBody.required, true);
      });

      test('every documented route declares its success body', () => {
        const missing: string[] = [];
        for (const [path, ops] of Object.entries<any>(doc.paths))
          for (const [method, op] of Object.entries<any>(ops)) {
            const success = Object.keys(op.responses).filter((c) => /^2\d\d$/.test(c));
            if (!success.some((c) => c === '204' || op.responses[c].content))
              missing.push(`${method.toUpperCase()} ${path}`);
          }
        assert.deepEqual(missing, []);
      });
    });

    describe('ticket views carry exactly the expected fields', () => {
      test('customer answers (join, status, leave, events) never show contact or metadata', async () => {
        const q = await createQueue(fixture.url);
        const body = { name: 'Ada', contact: 'ada@example.com', metadata: { party: 2 } };
        const a = await join(fixture.url, q.id, body);
        assert.deepEqual(keys(a), [...CUSTOMER_FIELDS, 'token'].sort());

        const got = await getTicket(fixture.url, a.id, a.token);
        assert.equal(got.status, 200);
        assert.deepEqual(keys(got.body), CUSTOMER_FIELDS);

        const sse = new SseReader(`${fixture.url}/api/tickets/${a.id}/events?token=${encodeURIComponent(a.token)}`);
        await sse.open();
        try {
          assert.deepEqual(keys(await sse.next()), CUSTOMER_FIELDS);
          const left = await leave(fixture.url, a.id, a.token);
          assert.equal(left.status, 200);
          assert.equal(left.body.status, 'left');
          assert.deepEqual(keys(left.body), CUSTOMER_FIELDS);
          const changed = await sse.until((e) => e.status === 'left');
          assert.deepEqual(keys(changed), CUSTOMER_FIELDS);
        } finally {
          sse.close();
        }
      });

      test('operator answers (list, call-next, actions) add contact and metadata', async () => {
        const q = await createQueue(fixture.url);
        const a = await join(fixture.url, q.id, { name: 'Bo', contact: '+1 555 0100', metadata: { vip: true } });
        const list = await call(fixture.url, 'GET', `/api/queues/${q.id}/tickets`);
        assert.equal(list.status, 200);
        assert.deepEqual(keys(list.body), ['items', 'nextCursor']);
        assert.deepEqual(keys(list.body.items[0]), OPERATOR_FIELDS);
        assert.equal(list.body.items[0].contact, '+1 555 0100');
        assert.deepEqual(list.body.items[0].metadata, { vip: true });

        const called = await call(fixture.url, 'POST', `/api/queues/${q.id}/call-next`, {
          body: { counter: 'Desk 2' },
        });
        assert.equal(called.status, 200);
        assert.equal(called.body.id, a.id);
        assert.deepEqual(keys(called.body), OPERATOR_FIELDS);
        const served = await call(fixture.url, 'POST', `/api/tickets/${a.id}/serve`);
        assert.equal(served.status, 200);
        assert.deepEqual(keys(served.body), OPERATOR_FIELDS);

        const none = await call(fixture.url, 'POST', `/api/queues/${q.id}/call-next`);
        assert.equal(none.status, 204);
        assert.equal(none.body, null);
      });

      test('error bodies keep their shape and details through the schemas', async () => {
        const q = await createQueue(fixture.url);
        const a = await join(fixture.url, q.id);
        const r = await call(fixture.url, 'POST', `/api/tickets/${a.id}/serve`);
        assert.equal(r.status, 409);
        assert.deepEqual(r.body, {
          error: { code: 'conflict', message: r.body.error.message, details: { status: 'waiting' } },
        });
      });

      test('a result document keeps every field through its schema; the HTML report stays HTML', async () => {
        const started = await call(fixture.url, 'POST', '/api/maintenance/runs', { body: { step: 'healthCheck' } });
        assert.equal(started.status, 202);
        assert.equal(started.headers.get('location'), `/api/maintenance/runs/${started.body.id}`);
        const run = await call(fixture.url, 'GET', `/api/maintenance/runs/${started.body.id}/wait?timeoutSeconds=60`);
        assert.equal(run.status, 200);
        assert.deepEqual(keys(run.body), [
          'durationMs',
          'endedAt',
          'id',
          'measuredNothing',
          'plan',
          'scheduledFor',
          'startedAt',
          'status',
          'steps',
          'success',
          'trigger',
        ]);
        const [step] = run.body.steps;
        assert.deepEqual(keys(step), ['durationMs', 'error', 'figures', 'findings', 'name', 'status']);
        assert.deepEqual(Object.keys(step.figures.databaseHealth).sort(), ['error', 'latencyMs', 'status']);
        const stored = await call(fixture.url, 'GET', `/api/maintenance/runs/${started.body.id}`);
        assert.deepEqual(stored.body, run.body);

        const report = await fetch(`${fixture.url}/api/maintenance/runs/${started.body.id}/report`, {
          headers: { authorization: `Bearer ${MASTER_KEY}` },
        });
        assert.equal(report.status, 200);
        assert.match(report.headers.get('content-type') ?? '', /^text\/html/);
        assert.match(await report.text(), /^<!doctype html>/i);
      });

      test('response schemas compile when routes are built, never per request', async () => {
        const q = await createQueue(fixture.url);
        const a = await join(fixture.url, q.id);
        const before = serializerCompilations();
        for (let i = 0; i < 5; i++) {
          assert.equal((await getTicket(fixture.url, a.id, a.token)).status, 200);
          assert.equal((await join(fixture.url, q.id)).status, 'waiting');
          assert.equal((await call(fixture.url, 'POST', `/api/queues/${q.id}/call-next`)).status, 200);
        }
        assert.equal(serializerCompilations(), before);
      });
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, callBytes, COMBOS, type Isolation, type Node, startNode } from '../support/harness.js';
import { assertError, createQueue, join, stateOf } from './helpers.js';

/** Every error path answers a coded error (never a 500) and changes nothing (contract §3). */

interface Case {
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

const utf8 = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

for (const combo of COMBOS) {
  describe(combo.name, { skip: combo.skip }, () => {
    describe('bad requests are coded 4xx and change nothing', () => {
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

      const run = async (cases: (qid: string, tid: string) => Case[]) => {
        const before = await stateOf(node.url);
        for (const c of cases(q, t.id))
          assertError(await send(node.url, c), c.status, c.code, `${c.what} (${c.method} ${c.path.slice(0, 80)})`);
        assert.equal(await stateOf(node.url), before, 'an error path changed the state');
      };
      const joinCase =
        (what: string, body: unknown, extra: Partial<Case> = {}): ((qid: string) => Case) =>
        (qid) => ({
          what,
          method: 'POST',
          path: `/api/queues/${qid}/tickets`,
          body,
          key: null,
          status: 400,
          code: 'validation_failed',
          ...extra,
        });

      test('malformed JSON, wrong types and unknown fields → 400 validation_failed', () =>
        run((qid, tid) => [
          {
            what: 'truncated JSON',
            method: 'POST',
            path: '/api/queues',
            raw: '{"name":',
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'JS, not JSON',
            method: 'POST',
            path: `/api/queues/${qid}/tickets`,
            raw: "{name: 'x'}",
            key: null,
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'truncated patch',
            method: 'PATCH',
            path: `/api/queues/${qid}`,
            raw: '{"status":"closed"',
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'garbage call-next',
            method: 'POST',
            path: `/api/queues/${qid}/call-next`,
            raw: '{{',
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'empty JSON body',
            method: 'POST',
            path: '/api/queues',
            raw: '',
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'array body',
            method: 'POST',
            path: `/api/queues/${qid}/tickets`,
            raw: '[]',
            key: null,
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'string body',
            method: 'POST',
            path: '/api/queues',
            raw: '"queue"',
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'number name',
            method: 'POST',
            path: '/api/queues',
            body: { name: 5, mode: 'service' },
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'unknown mode',
            method: 'POST',
            path: '/api/queues',
            body: { name: 'x', mode: 'fast' },
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'string capacity',
            method: 'POST',
            path: '/api/queues',
            body: { name: 'x', mode: 'service', capacity: '10' },
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'fractional capacity',
            method: 'POST',
            path: '/api/queues',
            body: { name: 'x', mode: 'service', capacity: 1.5 },
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'zero capacity',
            method: 'POST',
            path: '/api/queues',
            body: { name: 'x', mode: 'service', capacity: 0 },
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'capacity over 10M',
            method: 'POST',
            path: '/api/queues',
            body: { name: 'x', mode: 'service', capacity: 10_000_001 },
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'negative service time',
            method: 'PATCH',
            path: `/api/queues/${qid}`,
            body: { settings: { averageServiceSeconds: -1 } },
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'unknown queue status',
            method: 'PATCH',
            path: `/api/queues/${qid}`,
            body: { status: 'deleted' },
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'empty name',
            method: 'PATCH',
            path: `/api/queues/${qid}`,
            body: { name: '' },
            status: 400,
            code: 'validation_failed',
          },
          joinCase('number name', { name: 42 })(qid),
          joinCase('metadata string', { metadata: 'x' })(qid),
          joinCase('nested metadata', { metadata: { a: { b: 1 } } })(qid),
          joinCase('unknown priority', { priority: 'urgent' }, { key: undefined })(qid),
          {
            what: 'counter number',
            method: 'POST',
            path: `/api/queues/${qid}/call-next`,
            body: { counter: 7 },
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'counter array',
            method: 'POST',
            path: `/api/tickets/${tid}/call`,
            body: { counter: [] },
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'unknown role',
            method: 'POST',
            path: '/api/keys',
            body: { role: 'root', name: 'x' },
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'queue extra field',
            method: 'POST',
            path: '/api/queues',
            body: { name: 'x', mode: 'service', color: 'red' },
            status: 400,
            code: 'validation_failed',
          },
          joinCase('join extra field', { name: 'a', email: 'a@b.c' })(qid),
          joinCase('__proto__ field', undefined, { raw: '{"__proto__":{"admin":true}}', body: undefined })(qid),
          {
            what: 'patch extra field',
            method: 'PATCH',
            path: `/api/queues/${qid}`,
            body: { waitingCount: 0 },
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'settings extra field',
            method: 'PATCH',
            path: `/api/queues/${qid}`,
            body: { settings: { foo: 1 } },
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'call-next extra field',
            method: 'POST',
            path: `/api/queues/${qid}/call-next`,
            body: { desk: 1 },
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'key extra field',
            method: 'POST',
            path: '/api/keys',
            body: { role: 'operator', name: 'x', key: 'mine' },
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'unknown query field',
            method: 'GET',
            path: `/api/queues/${qid}/tickets?foo=1`,
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'limit 0',
            method: 'GET',
            path: `/api/queues/${qid}/tickets?limit=0`,
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'limit 501',
            method: 'GET',
            path: `/api/queues/${qid}/tickets?limit=501`,
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'limit text',
            method: 'GET',
            path: `/api/queues/${qid}/tickets?limit=ten`,
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'forged cursor',
            method: 'GET',
            path: `/api/queues/${qid}/tickets?cursor=AAAA`,
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'bad status filter',
            method: 'GET',
            path: `/api/queues/${qid}/tickets?status=gone`,
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'events without token',
            method: 'GET',
            path: `/api/tickets/${tid}/events`,
            key: null,
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'customer asks high priority',
            method: 'POST',
            path: `/api/queues/${qid}/tickets`,
            body: { priority: 'high' },
            key: null,
            status: 403,
            code: 'forbidden',
          },
        ]));

      test('oversized bodies (413) and oversized strings (400)', () =>
        run((qid) => [
          joinCase('17 KiB join', { name: 'x'.repeat(17 * 1024) }, { status: 413, code: 'payload_too_large' })(qid),
          {
            what: '20 KiB queue',
            method: 'POST',
            path: '/api/queues',
            body: { name: 'n', mode: 'service', settings: { x: 'y'.repeat(20_000) } },
            status: 413,
            code: 'payload_too_large',
          },
          {
            what: '17 KiB patch',
            method: 'PATCH',
            path: `/api/queues/${qid}`,
            raw: JSON.stringify({ name: 'é'.repeat(9000) }),
            status: 413,
            code: 'payload_too_large',
          },
          joinCase('name 201 chars', { name: 'x'.repeat(201) })(qid),
          joinCase('contact 321 chars', { contact: 'c'.repeat(321) })(qid),
          joinCase('metadata value 501 chars', { metadata: { note: 'v'.repeat(501) } })(qid),
          joinCase('metadata key 65 chars', { metadata: { ['k'.repeat(65)]: 1 } })(qid),
          joinCase('21 metadata keys', {
            metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, i])),
          })(qid),
          joinCase('metadata over 4 KiB', {
            metadata: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, 'v'.repeat(450)])),
          })(qid),
          joinCase('control character', { name: 'a\u0000b' })(qid),
          joinCase('Idempotency-Key 201 chars', {}, { headers: { 'idempotency-key': 'k'.repeat(201) } })(qid),
          {
            what: 'queue name 201 chars',
            method: 'POST',
            path: '/api/queues',
            body: { name: 'q'.repeat(201), mode: 'service' },
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'counter 65 chars',
            method: 'POST',
            path: `/api/queues/${qid}/call-next`,
            body: { counter: 'c'.repeat(65) },
            status: 400,
            code: 'validation_failed',
          },
          {
            what: 'key name 201 chars',
            method: 'POST',
            path: '/api/keys',
            body: { role: 'operator', name: 'n'.repeat(201) },
            status: 400,
            code: 'validation_failed',
          },
        ]));

      test('bad UTF-8 (400) and non-JSON content types (415)', () =>
        run((qid) => [
          joinCase('0xff in a string', undefined, { bytes: utf8('{"name":"', [0xff], '"}') })(qid),
          joinCase('overlong encoding', undefined, { bytes: utf8('{"name":"', [0xc0, 0xaf], '"}') })(qid),
          joinCase('encoded surrogate', undefined, { bytes: utf8('{"name":"', [0xed, 0xa0, 0x80], '"}') })(qid),
          joinCase('truncated sequence', undefined, { bytes: utf8('{"name":"', [0xe2, 0x82], '"}') })(qid),
          {
            what: 'bad UTF-8 queue',
            method: 'POST',
            path: '/api/queues',
            bytes: utf8('{"name":"', [0xfe], '","mode":"service"}'),
            status: 400,
            code: 'validation_failed',
          },
          joinCase('text/plain', undefined, {
            raw: '{}',
            type: 'text/plain',
            status: 415,
            code: 'unsupported_media_type',
          })(qid),
          joinCase('form', undefined, {
            raw: 'name=x',
            type: 'application/x-www-form-urlencoded',
            status: 415,
            code: 'unsupported_media_type',
          })(qid),
          {
            what: 'xml queue',
            method: 'POST',
            path: '/api/queues',
            raw: '<queue/>',
            type: 'application/xml',
            status: 415,
            code: 'unsupported_media_type',
          },
          {
            what: 'octet-stream patch',
            method: 'PATCH',
            path: `/api/queues/${qid}`,
            bytes: Buffer.from('{"status":"closed"}'),
            type: 'application/octet-stream',
            status: 415,
            code: 'unsupported_media_type',
          },
        ]));

      test('malformed ids (400) and well-formed unknown ids (404)', () =>
        run((qid, tid) => {
          const bad = ['a'.repeat(65), 'b'.repeat(300), 'a.b', 'a%20b', '%C3%A9t%C3%A9', 'a*b', 'a%2Fb', '%zz', "a'b"];
          const malformed = bad.flatMap((id): Case[] => [
            {
              what: `queue id ${id.slice(0, 12)}`,
              method: 'GET',
              path: `/api/queues/${id}`,
              key: null,
              status: 400,
              code: 'validation_failed',
            },
            {
              what: `ticket id ${id.slice(0, 12)}`,
              method: 'GET',
              path: `/api/tickets/${id}`,
              key: null,
              headers: { 'x-ticket-token': 'x' },
              status: 400,
              code: 'validation_failed',
            },
            {
              what: `serve id ${id.slice(0, 12)}`,
              method: 'POST',
              path: `/api/tickets/${id}/serve`,
              body: {},
              status: 400,
              code: 'validation_failed',
            },
            {
              what: `patch id ${id.slice(0, 12)}`,
              method: 'PATCH',
              path: `/api/queues/${id}`,
              body: { name: 'x' },
              status: 400,
              code: 'validation_failed',
            },
            {
              what: `key id ${id.slice(0, 12)}`,
              method: 'DELETE',
              path: `/api/keys/${id}`,
              status: 400,
              code: 'validation_failed',
            },
            {
              what: `run id ${id.slice(0, 12)}`,
              method: 'GET',
              path: `/api/maintenance/runs/${id}`,
              status: 400,
              code: 'validation_failed',
            },
          ]);
          const nf = (what: string, method: string, path: string, extra: Partial<Case> = {}): Case => ({
            what,
            method,
            path,
            status: 404,
            code: 'not_found',
            ...extra,
          });
          const u = 'q_' + 'Z'.repeat(62);
          return [
            ...malformed,
            nf('queue (customer)', 'GET', `/api/queues/${u}`, { key: null }),
            nf('queue (operator)', 'GET', `/api/queues/q_nope`),
            nf('patch queue', 'PATCH', `/api/queues/q_nope`, { body: { name: 'x' } }),
            nf('delete queue', 'DELETE', `/api/queues/q_nope`),
            nf('list tickets', 'GET', `/api/queues/q_nope/tickets`),
            nf('call-next', 'POST', `/api/queues/q_nope/call-next`, { body: {} }),
            nf('join', 'POST', `/api/queues/q_nope/tickets`, { body: {}, key: null }),
            nf('ticket', 'GET', `/api/tickets/t_nope`, { key: null, headers: { 'x-ticket-token': 'x' } }),
            nf('leave', 'DELETE', `/api/tickets/t_nope`, { key: null, headers: { 'x-ticket-token': 'x' } }),
            nf('events', 'GET', `/api/tickets/t_nope/events?token=x`, { key: null }),
            ...['serve', 'no-show', 'requeue', 'call'].map((a) =>
              nf(a, 'POST', `/api/tickets/t_nope/${a}`, { body: {} }),
            ),
            nf('key', 'DELETE', `/api/keys/key_nope`),
            nf('run', 'GET', `/api/maintenance/runs/run_nope`),
            nf('run report', 'GET', `/api/maintenance/runs/run_nope/report`),
            nf('unknown route', 'GET', `/api/nothing-here`),
            nf('ticket with the wrong token', 'GET', `/api/tickets/${tid}`, {
              key: null,
              headers: { 'x-ticket-token': 'nope' },
            }),
            nf('queue id used as ticket id', 'GET', `/api/tickets/${qid}`, {
              key: null,
              headers: { 'x-ticket-token': 'x' },
            }),
          ];
        }));
    });
  });
}

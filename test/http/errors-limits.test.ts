import { test } from 'node:test';
import { errorSuite, utf8, type Case } from './error-cases.js';

/** Every error path answers a coded error (never a 500) and changes nothing (docs/api.md): sizes, encodings, ids. */
errorSuite('oversized, badly encoded and malformed requests are coded 4xx and change nothing', ({ run, joinCase }) => {
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
        ...['serve', 'no-show', 'requeue', 'call'].map((a) => nf(a, 'POST', `/api/tickets/t_nope/${a}`, { body: {} })),
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

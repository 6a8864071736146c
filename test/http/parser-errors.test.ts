import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { call, COMBOS, startNode, suiteNode } from '../support/harness.js';
import { assertError, createQueue, join } from './helpers.js';

/**
 * Requests Node's HTTP parser refuses before any route sees them still get the contract's error
 * shape (docs/errors.md), with the security headers, and the connection is closed.
 */

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: any;
}

/** Sends bytes as they are and reads until the server closes the connection. */
function raw(url: string, bytes: string): Promise<RawResponse> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    s.on('data', (c) => chunks.push(c));
    s.on('error', () => undefined);
    s.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const at = l.indexOf(':');
        headers[l.slice(0, at).trim().toLowerCase()] = l.slice(at + 1).trim();
      }
      let json: any = body;
      try {
        json = JSON.parse(body);
      } catch {
        /* asserted below */
      }
      const status = Number(statusLine.split(' ')[1]);
      if (!status) reject(new Error(`no response: ${JSON.stringify(text)}`));
      else resolve({ status, headers, body: json });
    });
    s.write(bytes);
  });
}

const CASES: [string, string, number, string][] = [
  [
    'duplicate Content-Length',
    'POST /api/queues HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
    400,
    'validation_failed',
  ],
  ['an unknown HTTP version', 'GET /health/live HTTP/9.9\r\nHost: x\r\n\r\n', 400, 'validation_failed'],
  ['a request line that is not HTTP', 'HELLO\r\n\r\n', 400, 'validation_failed'],
  [
    'a Content-Length that is not a number',
    'POST /api/queues HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n{}',
    400,
    'validation_failed',
  ],
  [
    'an Expect other than 100-continue',
    'POST /api/queues HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
    417,
    'expectation_failed',
  ],
  [
    'headers over the size limit',
    `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    431,
    'headers_too_large',
  ],
];

for (const combo of COMBOS) {
  describe(combo.name, { skip: combo.skip }, () => {
    const node = suiteNode(combo);

    for (const [what, bytes, status, code] of CASES)
      test(`${what} → ${status} ${code} in the error shape`, async () => {
        const r = await raw(node.url, bytes);
        assert.equal(r.status, status, JSON.stringify(r));
        assert.equal(r.body?.error?.code, code, JSON.stringify(r.body));
        assert.equal(typeof r.body.error.message, 'string');
        assert.match(r.headers['content-type'] ?? '', /^application\/json/);
        assert.equal(r.headers['x-content-type-options'], 'nosniff');
        assert.equal(r.headers.connection, 'close');
      });

    test('validation messages name the field, and the body itself as "body"', async () => {
      const run = (body: unknown) => call(node.url, 'POST', '/api/maintenance/runs', { body });
      for (const body of [{}, { plan: 'daily', step: 'healthCheck' }]) {
        const r = await run(body);
        assertError(r, 400, 'validation_failed', JSON.stringify(body));
        assert.equal(r.body.error.message, 'body: give either plan or step, not both');
      }
      const stray = await run({ plan: 'daily', when: 'now' });
      assert.equal(stray.body.error.message, 'body: Unrecognized key: "when"');
      const deep = await call(node.url, 'POST', '/api/queues', { body: { name: 'x', mode: 'service', capacity: 0 } });
      assert.match(deep.body.error.message, /^body\.capacity: /);
      const q = (await createQueue(node.url)).id;
      const t = await join(node.url, q);
      const noShow = await call(node.url, 'POST', `/api/tickets/${t.id}/no-show`, { body: {} });
      assertError(noShow, 409, 'conflict');
      assert.equal(noShow.body.error.message, 'cannot mark as no-show: the ticket is waiting');
    });

    test('a well-formed request on the same server still works', async () => {
      const r = await raw(node.url, 'GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { status: 'ok' });
    });
  });
}

describe('a node that is shutting down', () => {
  test('answers requests still arriving on open connections with 503 unavailable in the error shape', async () => {
    const iso = COMBOS[0]!.isolate();
    const node = await startNode(iso.env);
    try {
      const { port } = new URL(node.url);
      const s = net.connect(Number(port), '127.0.0.1');
      const got: Buffer[] = [];
      s.on('data', (c) => got.push(c));
      const closed = new Promise((r) => s.on('close', r));
      // A request whose body is still on its way keeps the connection busy while the node closes.
      s.write(
        'POST /api/queues HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{',
      );
      await new Promise((r) => setTimeout(r, 50));
      const closing = node.close();
      await new Promise((r) => setTimeout(r, 50));
      s.write('}GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n');
      await closed;
      await closing;
      const text = Buffer.concat(got).toString('utf8');
      const second = text.slice(text.indexOf('HTTP/1.1', 1));
      assert.match(second, /^HTTP\/1\.1 503/, text);
      assert.match(second, /retry-after: 1/i);
      const body = JSON.parse(second.slice(second.indexOf('\r\n\r\n') + 4));
      assert.equal(body.error.code, 'unavailable');
    } finally {
      await iso.cleanup();
    }
  });
});

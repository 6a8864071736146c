import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { COMBOS, eventually, type Isolation, type Node, startNode } from '../support/harness.js';

/**
 * Slow clients cannot exhaust a node: requests have a deadline, and one address gets a bounded
 * number of connections, so others are still served while it holds its sockets open.
 */

const CAP = 5;
const SLOW = 200;

/** A GET from a given loopback address (Linux routes all of 127/8 to lo). */
function getFrom(url: string, localAddress: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}/health/live`, { localAddress, agent: false, timeout: 5_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/** Opens a socket from 127.0.0.1 that sends `bytes` and then nothing more. */
function stall(port: number, bytes: string): Promise<{ socket: net.Socket; closed: Promise<string> }> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.1' });
    let got = '';
    socket.on('data', (c) => (got += c.toString('utf8')));
    socket.on('error', () => undefined);
    const closed = new Promise<string>((r) => socket.on('close', () => r(got)));
    socket.on('connect', () => {
      socket.write(bytes);
      resolve({ socket, closed });
    });
  });
}

for (const combo of COMBOS) {
  describe(combo.name, { skip: combo.skip }, () => {
    let iso: Isolation;
    let node: Node;
    let port = 0;
    before(async () => {
      iso = combo.isolate();
      node = await startNode(iso.env, { QK_MAX_CONNECTIONS_PER_IP: String(CAP), QK_REQUEST_TIMEOUT_MS: '400' });
      port = Number(new URL(node.url).port);
    });
    after(async () => {
      await node?.close();
      await iso?.cleanup();
    });

    test(`${SLOW} slow connections from one address: the node keeps ${CAP}, and another client is served`, async () => {
      const slow = await Promise.all(
        Array.from({ length: SLOW }, () => stall(port, 'GET /health/live HTTP/1.1\r\nHost: x\r\n')),
      );
      try {
        assert.equal(await getFrom(node.url, '127.0.0.2'), 200, 'another address is served at once');
        // Every connection over the cap is closed by the node without an answer.
        const refused = await Promise.race([
          Promise.all(slow.slice(CAP).map((s) => s.closed)),
          new Promise<null>((r) => setTimeout(() => r(null), 5_000)),
        ]);
        assert.ok(refused, 'connections over the cap were left open');
        // The ones it kept reach their deadline and are answered 408 in the error shape.
        const kept = await Promise.all(slow.slice(0, CAP).map((s) => s.closed));
        for (const answer of kept) {
          assert.match(answer, /^HTTP\/1\.1 408/);
          assert.match(answer, /"code":"request_timeout"/);
        }
        // Its slots freed, the slow address itself can be served again.
        await eventually(async () => assert.equal(await getFrom(node.url, '127.0.0.1'), 200), 5_000);
      } finally {
        for (const s of slow) s.socket.destroy();
      }
    });

    test('a request body that stops arriving is answered 408 request_timeout', async () => {
      const s = await stall(
        port,
        'POST /api/queues HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"na',
      );
      const answer = await s.closed;
      assert.match(answer, /^HTTP\/1\.1 408/, answer);
      const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
      assert.equal(body.error.code, 'request_timeout');
    });
  });
}

import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { describe, test } from 'node:test';
import { MAX_UNREAD_BYTES, startSse, type SseStream } from '../../src/http/sse.js';

/**
 * Backpressure (src/http/sse.ts): writes never wait for a client. One that stops reading is
 * disconnected once its unread bytes pass the bound, and a client reading normally on the same
 * server keeps getting every event.
 */
describe('event streams and slow clients', () => {
  test('a client that stops reading is dropped at the bound; the others get every event', async () => {
    const streams: { sse: SseStream; res: http.ServerResponse }[] = [];
    const server = http.createServer((_req, res) => streams.push({ sse: startSse(res, {}), res }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    const open = (): Promise<net.Socket> =>
      new Promise((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => {
          s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
          resolve(s);
        });
        s.on('error', () => undefined);
      });
    try {
      const slow = await open();
      slow.pause();
      const fast = await open();
      let received = 0;
      fast.on('data', (c: Buffer) => (received += c.toString('latin1').split('event: e\n').length - 1));
      while (streams.length < 2) await new Promise((r) => setTimeout(r, 5));
      const [s0, s1] = streams as [(typeof streams)[0], (typeof streams)[0]];
      const payload = 'x'.repeat(1000);
      let sent = 0;
      // The kernel's socket buffers take the first megabytes; then the node's own buffer grows to the bound.
      while (!s0.res.destroyed && sent < 200_000) {
        s0.sse.send('e', payload);
        s1.sse.send('e', payload);
        sent++;
        await new Promise((r) => setImmediate(r));
      }
      assert.ok(s0.res.destroyed, 'the slow client was dropped');
      assert.ok(s0.res.writableLength <= MAX_UNREAD_BYTES + 2000, 'its buffer never grew past the bound');
      assert.equal(s1.res.destroyed, false, 'the reading client is still connected');
      while (received < sent) await new Promise((r) => setTimeout(r, 5));
      assert.equal(received, sent, 'the reading client got every event');
      slow.destroy();
      fast.destroy();
    } finally {
      for (const s of streams) s.res.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});
